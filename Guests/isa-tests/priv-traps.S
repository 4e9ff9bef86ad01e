/* Exceptions: every synchronous cause this hart can raise outside paging
 * (page faults are in priv-sv*.S), mtval contents, ecall from each mode,
 * delegation to S-mode, xRET, and the TSR/TW/TVM traps.
 * Instruction-address-misaligned (cause 0) cannot occur: with C, IALIGN is 16
 * and jalr clears bit 0. */
#include "common/harness.h"
RVTEST_BEGIN
        /* illegal instruction: mtval holds the instruction bits */
        EXPECT_TRAP_TVAL(1, 2, 0xffffffff, 1f)
        .word 0xffffffff
        j fail
1:      EXPECT_TRAP_TVAL(2, 2, 0x0000, 1f)
        .half 0x0000                    /* the all-zero instruction is illegal */
        .half 0x0001
        j fail
1:      /* breakpoint: mtval holds the pc */
        li TESTNUM, 3
        la s1, 2f
        la t3, 9f
        csrw mtvec, t3
2:      ebreak
        j fail
        .align 2
9:      csrr t3, mcause
        li t4, 3
        bne t3, t4, fail
        csrr t3, mtval                   /* the pc, or 0: the spec allows both; Isola gives the pc */
        beqz t3, 4f
        bne t3, s1, fail
4:      csrr t3, mepc
        bne t3, s1, fail
        /* ecall from M */
        EXPECT_TRAP(4, 11, 1f)
        ecall
        j fail
1:
#ifndef QEMU_VALIDATION  /* QEMU reads unassigned addresses as zero instead of faulting */
        /* access faults: nothing lives at physical address 0x4000 */
        EXPECT_TRAP_TVAL(5, 5, 0x4000, 1f)
        li a0, 0x4000
        ld a1, 0(a0)
        j fail
1:      EXPECT_TRAP_TVAL(6, 7, 0x4008, 1f)
        li a0, 0x4008
        sd a1, 0(a0)
        j fail
1:      EXPECT_TRAP_TVAL(7, 1, 0x4000, 1f)
        li a0, 0x4000
        jr a0
        j fail
1:
#endif      /* an M-mode CSR from M works; a nonexistent CSR is illegal */
        EXPECT_TRAP(8, 2, 1f)
        csrr a0, 0x7c0
        j fail
1:      /* writing a read-only CSR is illegal; reading it is fine */
        csrr a0, mhartid
        EXPECT_TRAP(9, 2, 1f)
        csrw mhartid, a0
        j fail
1:      EXPECT_TRAP(10, 2, 1f)
        csrw cycle, a0
        j fail
1:
        PMP_ALLOW_ALL
        /* ecall from S and from U */
        EXPECT_TRAP(11, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      ecall
        j fail
1:      EXPECT_TRAP(12, 8, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      ecall
        j fail
1:      /* mret leaves MPP = U and MPIE = 1, restores MIE from MPIE */
        li TESTNUM, 13
        li t0, 0x1888
        csrc mstatus, t0                 /* MIE, MPIE, MPP cleared */
        li t0, 0x1880                    /* MPIE = 1, MPP = M */
        csrs mstatus, t0
        la t0, 2f
        csrw mepc, t0
        mret
2:      csrr a0, mstatus
        andi a1, a0, 0x8                 /* MIE restored from MPIE */
        beqz a1, fail
        li t0, 0x1800
        and a1, a0, t0                   /* MPP = U (least privileged) */
        bnez a1, fail
        csrci mstatus, 0x8
        /* M-mode CSRs and mret are illegal from S */
        EXPECT_TRAP(14, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrr a0, mstatus
        j fail
1:      EXPECT_TRAP(15, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      mret
        j fail
1:      /* sret and S CSRs are illegal from U; wfi is illegal in U */
        EXPECT_TRAP(16, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      sret
        j fail
1:      EXPECT_TRAP(17, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      csrr a0, sstatus
        j fail
1:      EXPECT_TRAP(18, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      wfi
        j fail
1:      /* TSR: sret traps in S; TW: wfi traps in S; TVM: satp and sfence.vma trap in S */
        li t0, 1 << 22
        csrs mstatus, t0
        EXPECT_TRAP(19, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sret
        j fail
1:      li t0, 1 << 22
        csrc mstatus, t0
        li t0, 1 << 21
        csrs mstatus, t0
        EXPECT_TRAP(20, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      wfi
        j fail
1:      li t0, 1 << 21
        csrc mstatus, t0
        li t0, 1 << 20
        csrs mstatus, t0
        EXPECT_TRAP(21, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrr a0, satp
        j fail
1:      EXPECT_TRAP(22, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sfence.vma
        j fail
1:      li t0, 1 << 20
        csrc mstatus, t0
        /* without TVM, S may use satp and sfence.vma; then ecall back to M */
        EXPECT_TRAP(23, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrr a0, satp
        sfence.vma
        ecall
        j fail
1:      /* delegation: a breakpoint in S goes to stvec when medeleg says so */
        li TESTNUM, 24
        li t0, 1 << 3
        csrw medeleg, t0
        la t0, s_handler
        csrw stvec, t0
        /* after the delegated breakpoint, S returns to M through ecall (not delegated) */
        EXPECT_TRAP(25, 9, 1f)
        li TESTNUM, 24
        ENTER_MODE(MPP_S, 2f)
2:      la s1, 3f
3:      ebreak
        j fail
s_return:
        li TESTNUM, 25
        ecall
        j fail
1:      /* the S handler saw scause 3, sepc = the ebreak, stval = its address,
           and SPP = S, SPIE = SIE(0) */
        li TESTNUM, 26
        li t6, 3
        bne s2, t6, fail
        bne s3, s1, fail
        beqz s4, 4f
        bne s4, s1, fail
4:
        andi a0, s5, 1 << 8
        beqz a0, fail
        /* a breakpoint in M is not delegated */
        EXPECT_TRAP(27, 3, 1f)
        ebreak
        j fail
1:
#ifndef QEMU_VALIDATION  /* QEMU 7.2 keeps medeleg[11] writable (older spec) */
        /* medeleg cannot delegate ecall from M (bit 11 is read-only zero) */
        li TESTNUM, 28
        li t0, -1
        csrw medeleg, t0
        csrr a0, medeleg
        srli a0, a0, 11
        andi a0, a0, 1
        bnez a0, fail
        csrw medeleg, x0
#endif
        j pass

        .align 2
s_handler:
        csrr s2, scause
        csrr s3, sepc
        csrr s4, stval
        csrr s5, sstatus
        la t0, s_return
        csrw sepc, t0
        sret
RVTEST_END
