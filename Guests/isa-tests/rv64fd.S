/* F and D semantics beyond the vectors: static rounding modes in the
 * instruction, reserved rm values, mstatus.FS, NaN-boxing, FP loads and
 * stores, fmv, and the fflags/frm/fcsr CSRs. */
#include "common/harness.h"
#define ONE_THIRD_D 0x3fd5555555555555
RVTEST_BEGIN
        la s0, scratch
        /* 1/3 in each static rounding mode (1.0 / 3.0 in double) */
        TEST_FP_OP2_D(1, fdiv.d, rne, NX, 0x3fd5555555555555, 0x3ff0000000000000, 0x4008000000000000)
        TEST_FP_OP2_D(2, fdiv.d, rtz, NX, 0x3fd5555555555555, 0x3ff0000000000000, 0x4008000000000000)
        TEST_FP_OP2_D(3, fdiv.d, rdn, NX, 0x3fd5555555555555, 0x3ff0000000000000, 0x4008000000000000)
        TEST_FP_OP2_D(4, fdiv.d, rup, NX, 0x3fd5555555555556, 0x3ff0000000000000, 0x4008000000000000)
        TEST_FP_OP2_D(5, fdiv.d, rmm, NX, 0x3fd5555555555555, 0x3ff0000000000000, 0x4008000000000000)
        /* -1/3 rounds the other way under rdn/rup */
        TEST_FP_OP2_D(6, fdiv.d, rdn, NX, 0xbfd5555555555556, 0xbff0000000000000, 0x4008000000000000)
        TEST_FP_OP2_D(7, fdiv.d, rup, NX, 0xbfd5555555555555, 0xbff0000000000000, 0x4008000000000000)
        /* a tie: 1 + 2^-53 rounds to even under rne, away under rmm */
        TEST_FP_OP2_D(8, fadd.d, rne, NX, 0x3ff0000000000000, 0x3ff0000000000000, 0x3ca0000000000000)
        TEST_FP_OP2_D(9, fadd.d, rmm, NX, 0x3ff0000000000001, 0x3ff0000000000000, 0x3ca0000000000000)
        TEST_FP_OP2_S(10, fadd.s, rmm, NX, 0x3f800001, 0x3f800000, 0x33800000)
        TEST_FP_OP2_S(11, fadd.s, rne, NX, 0x3f800000, 0x3f800000, 0x33800000)
        /* overflow: rtz gives the largest finite, rne infinity */
        TEST_FP_OP2_D(12, fmul.d, rtz, OF|NX, 0x7fefffffffffffff, 0x7fe0000000000000, 0x4000000000000000)
        TEST_FP_OP2_D(13, fmul.d, rne, OF|NX, 0x7ff0000000000000, 0x7fe0000000000000, 0x4000000000000000)
        /* x - x is +0, or -0 when rounding down */
        TEST_FP_OP2_D(14, fsub.d, rne, 0, 0x0000000000000000, 0x4000000000000000, 0x4000000000000000)
        TEST_FP_OP2_D(15, fsub.d, rdn, 0, 0x8000000000000000, 0x4000000000000000, 0x4000000000000000)
        /* invalid and division by zero */
        TEST_FP_OP2_D(16, fdiv.d, rne, DZ, 0x7ff0000000000000, 0x3ff0000000000000, 0x0000000000000000)
        TEST_FP_OP2_D(17, fdiv.d, rne, NV, 0x7ff8000000000000, 0x0000000000000000, 0x0000000000000000)
        TEST_FP_OP1_D(18, fsqrt.d, rne, NV, 0x7ff8000000000000, 0xbff0000000000000)
        /* inf * 0 + qNaN raises invalid (RISC-V requires it) */
        TEST_FP_OP3_D(19, fmadd.d, rne, NV, 0x7ff8000000000000, 0x7ff0000000000000, 0x0000000000000000, 0x7ff8000000000000)
        /* conversions saturate: NaN -> max, -inf -> min, out of range -> bound, all NV */
        TEST_FCVT_TO_INT_D(20, fcvt.w.d, rtz, NV, 0x7fffffff, 0x7ff8000000000000)
        TEST_FCVT_TO_INT_D(21, fcvt.w.d, rtz, NV, 0xffffffff80000000, 0xfff0000000000000)
        TEST_FCVT_TO_INT_D(22, fcvt.wu.d, rtz, NV, 0, 0xbff0000000000000)
        TEST_FCVT_TO_INT_D(23, fcvt.wu.d, rtz, NX, 0, 0xbfe0000000000000)    /* -0.5 -> 0, inexact only */
        TEST_FCVT_TO_INT_D(24, fcvt.lu.d, rtz, NV, 0xffffffffffffffff, 0x43f0000000000000)
        TEST_FCVT_TO_INT_D(25, fcvt.l.d, rne, NX, 2, 0x4004000000000000)     /* 2.5 -> 2 (even) */
        TEST_FCVT_TO_INT_D(26, fcvt.l.d, rmm, NX, 3, 0x4004000000000000)     /* 2.5 -> 3 (away) */
        TEST_FCVT_TO_INT_D(27, fcvt.wu.d, rtz, 0, 0xffffffffffffffff, 0x41efffffffe00000)  /* 2^32-1, sign-extended */
        TEST_FCVT_TO_INT_S(28, fcvt.w.s, rtz, NV, 0x7fffffff, 0x4f000000)   /* 2^31 */
        TEST_FCVT_TO_INT_S(29, fcvt.w.s, rtz, 0, 0xffffffff80000000, 0xcf000000)  /* -2^31 exact */

        /* NaN-boxing: a single operand that is not boxed reads as the canonical NaN */
        li TESTNUM, 30
        li t0, 0x000000003f800000          /* 1.0f without the box */
        fmv.d.x f1, t0
        li t0, 0xffffffff3f800000
        fmv.d.x f2, t0
        fadd.s f3, f1, f2
        fmv.x.d a0, f3
        li t6, 0xffffffff7fc00000
        bne a0, t6, fail
        /* fmv.x.w sign-extends bit 31; fmv.w.x boxes */
        TEST_CASE(31, a0, 0xffffffff80000000, li t0, 0x80000000; fmv.w.x f1, t0; fmv.x.w a0, f1)
        TEST_CASE(32, a0, 0xffffffff12345678, li t0, 0x12345678; fmv.w.x f1, t0; fmv.x.d a0, f1)
        /* fsgnj on an unboxed single works on the canonical NaN */
        TEST_CASE(33, a0, 0xffffffffffc00000, li t0, 1; fmv.d.x f1, t0; li t0, -1; fmv.d.x f2, t0; fsgnj.s f3, f1, f2; fmv.x.d a0, f3)
        /* loads and stores: flw boxes, fsw stores the low word */
        li t0, 0x40490fdb
        sw t0, 0(s0)
        TEST_CASE(34, a0, 0xffffffff40490fdb, flw f5, 0(s0); fmv.x.d a0, f5)
        li t0, 0x1122334455667788
        fmv.d.x f6, t0
        fsw f6, 8(s0)
        TEST_CASE(35, a0, 0x55667788, lwu a0, 8(s0))
        fsd f6, 16(s0)
        TEST_CASE(36, a0, 0x1122334455667788, fld f7, 16(s0); fmv.x.d a0, f7)
        /* fcsr = frm << 5 | fflags; fflags accrue */
        TEST_CASE(37, a0, 0x41, csrw fcsr, x0; csrwi frm, 2; csrwi fflags, 1; csrr a0, fcsr)
        TEST_CASE(38, a0, 0x11, csrw fflags, x0; li t0, 0x7ff0000000000001; fmv.d.x f1, t0; feq.d a1, f1, f1; fdiv.d f2, f1, f1; li t0, 0x3ff0000000000000; fmv.d.x f1, t0; li t0, 0x4008000000000000; fmv.d.x f2, t0; fdiv.d f3, f1, f2; csrr a0, fflags)
        TEST_CASE(39, a0, 0xe0, csrw fcsr, x0; li t0, 0xff; csrw fcsr, t0; csrr a0, fcsr; andi a0, a0, 0xe0)
        /* the dynamic mode: frm = rup rounds 1/3 up */
        li TESTNUM, 40
        csrwi frm, 3
        li t0, 0x3ff0000000000000; fmv.d.x f1, t0
        li t0, 0x4008000000000000; fmv.d.x f2, t0
        fdiv.d f3, f1, f2, dyn
        fmv.x.d a0, f3
        li t6, 0x3fd5555555555556
        bne a0, t6, fail
        /* a reserved frm (5) makes dynamic-rounding instructions illegal */
        csrwi frm, 5
        EXPECT_TRAP(41, 2, 1f)
        fdiv.d f3, f1, f2, dyn
        j fail
1:      csrwi frm, 0
        /* reserved static rm encodings 5 and 6 are illegal */
        EXPECT_TRAP(42, 2, 1f)
        .insn r 0x53, 5, 0x01, f3, f1, f2      /* fadd.d with rm=5 */
        j fail
1:      EXPECT_TRAP(43, 2, 1f)
        .insn r 0x53, 6, 0x01, f3, f1, f2      /* fadd.d with rm=6 */
        j fail
1:      /* FP instructions and CSRs are illegal with mstatus.FS = Off */
        li t0, 0x6000
        csrc mstatus, t0
        EXPECT_TRAP(44, 2, 1f)
        fadd.d f3, f1, f2
        j fail
1:      EXPECT_TRAP(45, 2, 1f)
        csrr a0, fflags
        j fail
1:      EXPECT_TRAP(46, 2, 1f)
        fld f1, 0(s0)
        j fail
1:      /* writing FP state makes FS Dirty and sets SD */
        li TESTNUM, 47
        li t0, 0x2000
        csrs mstatus, t0
        fmv.d.x f1, x0
        csrr a0, mstatus
        srli a1, a0, 13
        andi a1, a1, 3
        li t6, 3
        bne a1, t6, fail
        bgez a0, fail                     /* SD is bit 63 */
        j pass
RVTEST_END
