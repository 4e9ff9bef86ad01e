/* Sdtrig: four triggers behind tselect (a fifth cannot be selected; the checks use
 * the first two, which QEMU has too); tinfo names
 * types 2 and 6; an unsupported type reads back as 15 (disabled). Execute, load and
 * store triggers of types 6 and 2 raise a breakpoint exception from S- and U-mode
 * with mtval = the pc or the address and set their hit bit; a trigger only fires in
 * the modes it names, and only on its address (equal, NAPOT, at least, below). */
#include "common/harness.h"
#define T6(bits) ((6 << 60) | (bits))
#define T2(bits) ((2 << 60) | (bits))
#define LOAD 1
#define STORE 2
#define EXEC 4
#define U 8
#define S 16
#define M 64
#define NAPOT (1 << 7)
#define GE (2 << 7)
#define LT (3 << 7)
#define HIT0 (1 << 22)
#define HIT2 (1 << 20)
/* trigger `n`: tdata1 = v1 (an immediate), tdata2 = the register r2 */
#define ARM_TRIGGER(n, v1, r2) li t0, n; csrw tselect, t0; li t0, v1; csrw tdata1, t0; csrw tdata2, r2
/* mtval holds the pc or the address (QEMU 7.2 writes 0, which the spec also allows) */
#ifdef QEMU_VALIDATION
#define CHECK_MTVAL(r)
#else
#define CHECK_MTVAL(r) csrr a0, mtval; bne a0, r, fail
#endif
#define DISARM(n) li t0, n; csrw tselect, t0; li t0, (15 << 60); csrw tdata1, t0
RVTEST_BEGIN
        PMP_ALLOW_ALL
        /* four triggers (QEMU has two): tselect keeps 0-3 and refuses 4 */
#ifdef QEMU_VALIDATION
#define TRIGGERS 2
#else
#define TRIGGERS 4
#endif
        li TESTNUM, 1
        li t1, 0
1:      csrw tselect, t1
        csrr a0, tselect
        bne a0, t1, fail
        addi t1, t1, 1
        li t0, TRIGGERS
        bne t1, t0, 1b
        csrw tselect, t1
        csrr a0, tselect
        li t6, TRIGGERS - 1
        bne a0, t6, fail
        /* tinfo: types 2 and 6 */
        li TESTNUM, 2
        csrr a0, tinfo
        andi a0, a0, (1 << 2) | (1 << 6)
        li t6, (1 << 2) | (1 << 6)
        bne a0, t6, fail
        /* a type 6 trigger keeps its fields; an unsupported type (3, icount) is disabled */
        li TESTNUM, 3
        csrw tselect, x0
        li t0, T6(EXEC | S | U)
        csrw tdata1, t0
        csrr a0, tdata1
        bne a0, t0, fail
#ifndef QEMU_VALIDATION  /* QEMU 7.2 keeps the written type */
        li t0, (3 << 60) | 1
        csrw tdata1, t0
        csrr a0, tdata1
        srli a0, a0, 60
        li t6, 15
        bne a0, t6, fail
#endif
        /* execute (type 6) in S-mode: the breakpoint comes before the instruction */
        la t1, s_target
        ARM_TRIGGER(0, T6(EXEC | S), t1)
        EXPECT_TRAP(4, 3, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      nop
s_target:
        li a0, 1
        j fail
1:      csrr a0, mepc
        la t6, s_target
        bne a0, t6, fail
        CHECK_MTVAL(t6)
#ifndef QEMU_VALIDATION  /* the hit bits are optional; QEMU 7.2 has none */
        li TESTNUM, 5
        csrr a0, tdata1
        li t6, HIT0
        and a0, a0, t6
        beqz a0, fail
#endif
        /* ... but not in U-mode, which it does not name: U runs to its ecall */
        li t0, T6(EXEC | S)
        csrw tdata1, t0                 /* hit cleared */
        EXPECT_TRAP(6, 8, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      j s_target_u
s_target_u:
        ecall
        j fail
1:      DISARM(0)
        /* load (type 6) from U-mode on one doubleword: another does not fire */
        la s1, data
        ARM_TRIGGER(1, T6(LOAD | U), s1)
        EXPECT_TRAP(7, 8, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      ld a0, 8(s1)
        sd a0, 0(s1)                    /* a store: not watched */
        ecall
        j fail
1:      la t0, data
        EXPECT_TRAP(8, 3, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      ld a0, 0(s1)
        j fail
1:      CHECK_MTVAL(s1)
        DISARM(1)
        /* store (type 2) on a NAPOT region of 16 bytes, from S-mode */
        li TESTNUM, 9
        addi t1, s1, 16 + 7             /* data+16 .. data+31 */
        ARM_TRIGGER(0, T2(STORE | S | NAPOT), t1)
        EXPECT_TRAP(10, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sd zero, 0(s1)                  /* below the region */
        sd zero, 32(s1)                 /* above it */
        ld a0, 16(s1)                   /* a load */
        ecall
        j fail
1:      addi s2, s1, 24
        EXPECT_TRAP(11, 3, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sw zero, 24(s1)
        j fail
1:      CHECK_MTVAL(s2)
#ifndef QEMU_VALIDATION
        li TESTNUM, 12
        csrr a0, tdata1
        li t6, HIT2
        and a0, a0, t6
        beqz a0, fail
#endif
        DISARM(0)
#ifndef QEMU_VALIDATION  /* QEMU 7.2 compares for equality only */
        /* at least / below: a store at data+40 fires `>= data+40`, not `< data+40` */
        addi t1, s1, 40
        ARM_TRIGGER(1, T6(STORE | S | LT), t1)
        EXPECT_TRAP(13, 3, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sd zero, 40(s1)                 /* not below: no trap */
        sd zero, 32(s1)                 /* below: fires */
        j fail
1:      addi t1, s1, 40
        ARM_TRIGGER(1, T6(STORE | S | GE), t1)
        EXPECT_TRAP(14, 3, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      sd zero, 32(s1)                 /* not at least: no trap */
        sd zero, 48(s1)                 /* fires */
        j fail
1:      addi t6, s1, 48
        CHECK_MTVAL(t6)
#endif
        DISARM(1)
        /* an M-mode trigger does not fire while MIE is clear (the handler's case; the
           debug spec's "Native M-mode Triggers" recommends this or tcontrol, QEMU 7.2
           does neither) */
#ifndef QEMU_VALIDATION
        li TESTNUM, 15
        ARM_TRIGGER(0, T6(LOAD | M), s1)
        ld a0, 0(s1)
        DISARM(0)
#endif
        j pass
RVTEST_END
        .data
        .align 6
data:   .skip 64
