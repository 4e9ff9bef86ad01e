/* Self-checking test harness for Isola's ISA suite.
 *
 * A test is a sequence of numbered checks. Each check leaves its number in
 * TESTNUM (gp); the first failing check ends the program through the SiFive
 * test finisher with (number << 16) | 0x3333, so `isola run` exits with that
 * number. Reaching PASS writes 0x5555 (exit 0). Unexpected traps fail with the
 * current test number; tests that expect traps install their own handler
 * through EXPECT_TRAP.
 */
#define TESTNUM gp
#define FINISHER 0x100000
#define UART 0x10000000

#define RVTEST_BEGIN                                  \
        .section .text.init;                          \
        .globl _start;                                \
_start:                                               \
        la t0, default_trap;                          \
        csrw mtvec, t0;                               \
        la sp, stack_top;                             \
        li t0, 0x2000;  /* mstatus.FS = Initial */    \
        csrs mstatus, t0;                             \
        li TESTNUM, 0;                                \
        j test_main;                                  \
        .align 2;                                     \
default_trap:                                         \
        j fail;                                       \
        .text;                                        \
test_main:

#define RVTEST_END                                    \
pass:                                                 \
        li t0, FINISHER;                              \
        li t1, 0x5555;                                \
        sw t1, 0(t0);                                 \
1:      j 1b;                                         \
fail:                                                 \
        li t0, FINISHER;                              \
        slli t1, TESTNUM, 16;                         \
        li t2, 0x3333;                                \
        or t1, t1, t2;                                \
        sw t1, 0(t0);                                 \
1:      j 1b;                                         \
        .data;                                        \
        .align 12;                                    \
stack_bottom: .skip 4096;                             \
stack_top:                                            \
scratch: .skip 4096;

/* Check that `reg` equals `expected` after running `code`. */
#define TEST_CASE(n, reg, expected, code...)          \
        li TESTNUM, n;                                \
        code;                                         \
        li t6, expected;                              \
        bne reg, t6, fail;

/* rd = op(rs1, rs2) with immediate inputs. */
#define TEST_RR(n, inst, expected, v1, v2)            \
        TEST_CASE(n, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)

#define TEST_RI(n, inst, expected, v1, imm)           \
        TEST_CASE(n, a0, expected, li a1, v1; inst a0, a1, imm)

#define TEST_R(n, inst, expected, v1)                 \
        TEST_CASE(n, a0, expected, li a1, v1; inst a0, a1)

/* Expect the next instruction at label `at` to trap with `cause`;
   the handler checks mcause (and mtval when `tval_check` is nonzero) and
   resumes at `resume`. Uses t3-t5. */
#define EXPECT_TRAP(n, cause, resume)                 \
        li TESTNUM, n;                                \
        la t3, 9f;                                    \
        csrw mtvec, t3;                               \
        li t4, cause;                                 \
        la t5, resume;                                \
        j 8f;                                         \
        .align 2;                                     \
9:      csrr t3, mcause;                              \
        bne t3, t4, fail;                             \
        la t3, default_trap;                          \
        csrw mtvec, t3;                               \
        jr t5;                                        \
8:

/* Floating point: fd = op(fs1, fs2) in format fmt with rounding rm,
   check the result bits and the accrued flags. */
#define TEST_FP_OP2_D(n, inst, rm, flags, result, v1, v2) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.d.x f1, t0;                    \
        li t0, v2; fmv.d.x f2, t0;                    \
        csrw fflags, x0;                              \
        inst f3, f1, f2, rm;                          \
        fmv.x.d a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

#define TEST_FP_OP2_S(n, inst, rm, flags, result, v1, v2) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.w.x f1, t0;                    \
        li t0, v2; fmv.w.x f2, t0;                    \
        csrw fflags, x0;                              \
        inst f3, f1, f2, rm;                          \
        fmv.x.w a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

#define TEST_FP_OP3_D(n, inst, rm, flags, result, v1, v2, v3) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.d.x f1, t0;                    \
        li t0, v2; fmv.d.x f2, t0;                    \
        li t0, v3; fmv.d.x f4, t0;                    \
        csrw fflags, x0;                              \
        inst f3, f1, f2, f4, rm;                      \
        fmv.x.d a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

#define TEST_FP_OP1_D(n, inst, rm, flags, result, v1) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.d.x f1, t0;                    \
        csrw fflags, x0;                              \
        inst f3, f1, rm;                              \
        fmv.x.d a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

/* Float to integer: check integer result and flags. */
#define TEST_FCVT_TO_INT_D(n, inst, rm, flags, result, v1) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.d.x f1, t0;                    \
        csrw fflags, x0;                              \
        inst a0, f1, rm;                              \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

#define TEST_FCVT_TO_INT_S(n, inst, rm, flags, result, v1) \
        li TESTNUM, n;                                \
        li t0, v1; fmv.w.x f1, t0;                    \
        csrw fflags, x0;                              \
        inst a0, f1, rm;                              \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;

/* Flags: NV=16 DZ=8 OF=4 UF=2 NX=1 */
#define NV 16
#define DZ 8
#define OF 4
#define UF 2
#define NX 1

/* Lets S and U mode reach all of memory (with no PMP entry they reach nothing). */
#define PMP_ALLOW_ALL                                 \
        li t0, -1;                                    \
        csrw pmpaddr0, t0;                            \
        li t0, 0x1f;  /* NAPOT, R W X */              \
        csrw pmpcfg0, t0;

/* Continue at `target` in the privilege given by MPP bits (0 = U, 0x800 = S). */
#define ENTER_MODE(mpp_bits, target)                  \
        li t0, 0x1800;                                \
        csrc mstatus, t0;                             \
        li t0, mpp_bits;                              \
        csrs mstatus, t0;                             \
        la t0, target;                                \
        csrw mepc, t0;                                \
        mret;

#define MPP_U 0
#define MPP_S 0x800

/* Like EXPECT_TRAP, and also checks mtval. */
#define EXPECT_TRAP_TVAL(n, cause, tval, resume)      \
        li TESTNUM, n;                                \
        la t3, 9f;                                    \
        csrw mtvec, t3;                               \
        li t4, cause;                                 \
        li s11, tval;                                 \
        la t5, resume;                                \
        j 8f;                                         \
        .align 2;                                     \
9:      csrr t3, mcause;                              \
        bne t3, t4, fail;                             \
        csrr t3, mtval;                               \
        bne t3, s11, fail;                            \
        la t3, default_trap;                          \
        csrw mtvec, t3;                               \
        jr t5;                                        \
8:
