/* Machine CSRs: misa and identity registers, WARL fields, counters that
 * tick and their mcounteren/scounteren gates, and PMP (NAPOT, TOR, NA4,
 * permissions for S/U, the lock bit applying to M). */
#include "common/harness.h"
RVTEST_BEGIN
        /* misa: RV64 with A C D F I M S U */
#ifndef QEMU_VALIDATION  /* QEMU's misa lists more extensions */
        li TESTNUM, 1
        csrr a0, misa
        li t6, (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
        bne a0, t6, fail
#endif
        TEST_CASE(2, a0, 0, csrr a0, mhartid)
        TEST_CASE(3, a0, 0, csrr a0, mvendorid)
        /* mstatus: UXL = SXL = 2 (64-bit); MPP = 2 is not a mode and is not kept */
        li TESTNUM, 4
        csrr a0, mstatus
        srli a1, a0, 32
        andi a1, a1, 0xf
        li t6, 0xa
        bne a1, t6, fail
#ifndef QEMU_VALIDATION  /* QEMU 7.2 keeps the reserved MPP value */
        li t0, 0x1800
        csrc mstatus, t0
        li t0, 0x1000
        csrs mstatus, t0
        csrr a0, mstatus
        li t0, 0x1800
        and a0, a0, t0
        li t6, 0x1000
        beq a0, t6, fail
#endif
        /* a satp write with an unsupported mode has no effect */
        li TESTNUM, 5
        csrw satp, x0
        li t0, 7 << 60
        csrw satp, t0
        csrr a0, satp
        bnez a0, fail
        /* mtvec keeps only direct (0) and vectored (1) modes */
        li TESTNUM, 6
        la t0, default_trap
        ori t1, t0, 1
        csrw mtvec, t1
        csrr a0, mtvec
        bne a0, t1, fail
        csrw mtvec, t0
        /* sstatus is a view of mstatus */
        li TESTNUM, 7
        csrsi sstatus, 2
        csrr a0, mstatus
        andi a0, a0, 2
        beqz a0, fail
        csrci mstatus, 2
        csrr a0, sstatus
        andi a0, a0, 2
        bnez a0, fail
        /* counters tick: instret counts exactly, cycle and time advance */
        li TESTNUM, 8
        csrr a0, instret
        nop
        nop
        csrr a1, instret
        sub a0, a1, a0
        li t6, 3
#ifdef QEMU_VALIDATION  /* QEMU's TCG instret is not exact */
        bltu a0, t6, fail
#else
        bne a0, t6, fail
#endif
        li TESTNUM, 9
        rdcycle a0
        li t0, 100
1:      addi t0, t0, -1
        bnez t0, 1b
        rdcycle a1
        bgeu a0, a1, fail
        /* minstret is writable */
        li TESTNUM, 10
        li t0, 1000
        csrw minstret, t0
        csrr a0, minstret
        li t6, 1000
        bltu a0, t6, fail
#ifndef QEMU_VALIDATION  /* QEMU's TCG instret is not exact */
        li t6, 1010
        bgeu a0, t6, fail
#endif
        /* mhpmcounters read as zero */
        TEST_CASE(11, a0, 0, csrr a0, mhpmcounter3)

        PMP_ALLOW_ALL
        /* S reads counters only when mcounteren allows */
        csrw mcounteren, x0
        EXPECT_TRAP(12, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      rdcycle a0
        j fail
1:      li t0, 7
        csrw mcounteren, t0
        EXPECT_TRAP(13, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      rdcycle a0
        rdtime a0
        rdinstret a0
        ecall
        j fail
1:      /* U additionally needs scounteren */
        csrw scounteren, x0
        EXPECT_TRAP(14, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      rdtime a0
        j fail
1:      li t0, 2
        csrw scounteren, t0
        EXPECT_TRAP(15, 8, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      rdtime a0
        ecall
        j fail
1:
        /* PMP: entry 0 makes the scratch page read-only (NAPOT 4 KiB);
           entry 7, the lowest priority, allows everything (NAPOT all) */
        li TESTNUM, 16
        csrw pmpcfg0, x0
        la t0, scratch
        srli t0, t0, 2
        ori t0, t0, (4096 / 8) - 1      /* NAPOT: base | (size/8 - 1) */
        csrw pmpaddr0, t0
        li t0, -1
        csrw pmpaddr7, t0
        li t0, (0x1f << 56) | 0x19      /* entry7: NAPOT RWX; entry0: NAPOT R */
        csrw pmpcfg0, t0
        csrr a0, pmpcfg0
        bne a0, t0, fail
        /* S may read the page, not write it */
        EXPECT_TRAP(17, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      la a1, scratch
        ld a2, 0(a1)
        ecall
        j fail
1:      la s1, scratch
        EXPECT_TRAP(18, 7, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sd a2, 0(s1)
        j fail
1:      /* M is not restricted by unlocked entries */
        li TESTNUM, 19
        sd a2, 0(s1)
        /* executing from a page PMP does not allow: instruction access fault */
        la t0, xpage
        srli t0, t0, 2
        ori t0, t0, (4096 / 8) - 1
        csrw pmpaddr2, t0
        li t0, 0x1b << 16               /* entry2: NAPOT RW (no X) */
        csrs pmpcfg0, t0
        la s2, xpage
        li t0, 0x00008067
        sw t0, 0(s2)
        EXPECT_TRAP(20, 1, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      jalr s2
        j fail
1:      /* NA4: a single word */
        li TESTNUM, 21
        li t0, 0xff
        csrc pmpcfg0, t0                /* entry 0 off */
        la t0, scratch
        addi t0, t0, 64
        srli t0, t0, 2
        csrw pmpaddr4, t0
        li t0, 0x11                     /* entry4: NA4 R */
        slli t0, t0, 32
        csrs pmpcfg0, t0
        la s1, scratch
        EXPECT_TRAP(22, 7, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sw a2, 64(s1)
        j fail
1:      EXPECT_TRAP(23, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sw a2, 68(s1)                   /* the next word falls to entry 7: allowed */
        ecall
        j fail
1:      /* TOR: entry 1 covers [pmpaddr0, pmpaddr1) read-only */
        li TESTNUM, 26
        la t0, scratch
        srli t0, t0, 2
        csrw pmpaddr0, t0
        addi t0, t0, 4096 / 4
        csrw pmpaddr1, t0
        li t0, 0x09 << 8                /* entry1: TOR R */
        csrs pmpcfg0, t0
        li t0, 2048
        add s3, s1, t0                  /* s3 = scratch + 2048 */
        EXPECT_TRAP(27, 7, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sd a2, 2040(s3)
        j fail
1:      EXPECT_TRAP(28, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      ld a2, 2040(s3)
        addi s4, s3, 8
        sd a2, 2040(s4)                 /* just past the TOR top: entry 7 */
        ecall
        j fail
1:      /* a locked entry binds M-mode too and ignores later writes */
        li TESTNUM, 24
        la t0, lockpage
        srli t0, t0, 2
        ori t0, t0, (4096 / 8) - 1
        csrw pmpaddr5, t0
        li t0, 0x99                     /* L | NAPOT | R */
        slli t0, t0, 40
        csrs pmpcfg0, t0
        csrw pmpaddr5, x0               /* ignored: locked */
        csrr a0, pmpaddr5
        beqz a0, fail
        la s1, lockpage
        ld a1, 0(s1)                    /* reading is allowed */
        EXPECT_TRAP(25, 7, 1f)
        sd a1, 0(s1)
        j fail
1:      j pass
RVTEST_END
        .data
        .align 12
xpage: .skip 4096
lockpage: .skip 4096
