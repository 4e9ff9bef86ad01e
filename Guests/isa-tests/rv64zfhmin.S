/* Zfhmin: binary16 loads, stores and moves keep their bits and NaN-box them in the
 * upper 48 bits; conversions to and from single and double round in every mode and
 * raise the flags IEEE 754 asks for; a half that is not boxed reads as the canonical
 * NaN. Results are read back whole (fmv.x.d), box included. */
#include "common/harness.h"

/* fd = inst(fs1) with fs1 loaded by `move` from the bit pattern v */
#define TEST_CVT(n, inst, rm, flags, result, move, v) \
        li TESTNUM, n;                                \
        li t0, v; move f1, t0;                        \
        csrw fflags, x0;                              \
        inst f3, f1, rm;                              \
        fmv.x.d a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;
#define TEST_WIDEN(n, inst, flags, result, move, v)   \
        li TESTNUM, n;                                \
        li t0, v; move f1, t0;                        \
        csrw fflags, x0;                              \
        inst f3, f1;                                  \
        fmv.x.d a0, f3;                               \
        li t6, result; bne a0, t6, fail;              \
        csrr a1, fflags; li t6, flags; bne a1, t6, fail;
#define BOX_H 0xFFFFFFFFFFFF0000
#define BOX_S 0xFFFFFFFF00000000

RVTEST_BEGIN
        /* flh boxes what it loads; fsh stores the low 16 bits */
        li TESTNUM, 1
        la t2, halves
        flh f1, 2(t2)
        fmv.x.d a0, f1
        li t6, BOX_H | 0xC100
        bne a0, t6, fail
        fsh f1, 6(t2)
        lhu a0, 6(t2)
        li t6, 0xC100
        bne a0, t6, fail
        lhu a0, 4(t2)                   /* the neighbours are untouched */
        li t6, 0x5555
        bne a0, t6, fail
        /* fmv.x.h sign-extends; fmv.h.x takes the low 16 bits and boxes them */
        TEST_CASE(2, a0, 0xFFFFFFFFFFFFC100, fmv.x.h a0, f1)
        TEST_CASE(3, a0, BOX_H | 0x3C00, li t0, 0x12343C00; fmv.h.x f2, t0; fmv.x.d a0, f2)
        TEST_CASE(4, a0, 0x7BFF, li t0, 0x7BFF; fmv.h.x f2, t0; fmv.x.h a0, f2)
        /* widening conversions are exact */
        TEST_WIDEN(5, fcvt.s.h, 0, BOX_S | 0x3F800000, fmv.h.x, 0x3C00)
        TEST_WIDEN(6, fcvt.d.h, 0, 0x40EFFC0000000000, fmv.h.x, 0x7BFF)         /* 65504 */
        TEST_WIDEN(7, fcvt.d.h, 0, 0xBE70000000000000, fmv.h.x, 0x8001)         /* -2^-24 */
        TEST_WIDEN(8, fcvt.s.h, 0, BOX_S | 0xFF800000, fmv.h.x, 0xFC00)         /* -inf */
        /* NaNs: a signaling half raises NV; every NaN result is canonical */
        TEST_WIDEN(9, fcvt.s.h, NV, BOX_S | 0x7FC00000, fmv.h.x, 0x7C01)
        TEST_WIDEN(10, fcvt.d.h, 0, 0x7FF8000000000000, fmv.h.x, 0x7E55)
        /* a half without its box is the canonical NaN (quiet: no flag) */
        TEST_WIDEN(11, fcvt.s.h, 0, BOX_S | 0x7FC00000, fmv.d.x, 0x3C00)
        TEST_WIDEN(12, fcvt.d.h, 0, 0x7FF8000000000000, fmv.w.x, 0x3C00)
        /* narrowing: rounding and flags */
        TEST_CVT(13, fcvt.h.s, rne, NX, BOX_H | 0x3555, fmv.w.x, 0x3EAAAAAB)    /* 1/3 */
        TEST_CVT(14, fcvt.h.s, rup, NX, BOX_H | 0x3556, fmv.w.x, 0x3EAAAAAB)
        TEST_CVT(15, fcvt.h.d, rne, NX, BOX_H | 0x2E66, fmv.d.x, 0x3FB999999999999A)  /* 0.1 */
        TEST_CVT(16, fcvt.h.d, rtz, 0, BOX_H | 0xC100, fmv.d.x, 0xC004000000000000)   /* -2.5 exact */
        /* 65520 is the tie between the largest finite and 2^16: to nearest it overflows */
        TEST_CVT(17, fcvt.h.s, rne, OF | NX, BOX_H | 0x7C00, fmv.w.x, 0x477FF000)
        TEST_CVT(18, fcvt.h.s, rtz, NX, BOX_H | 0x7BFF, fmv.w.x, 0x477FF000)     /* no overflow: truncated, it fits */
        TEST_CVT(19, fcvt.h.d, rdn, OF | NX, BOX_H | 0xFC00, fmv.d.x, 0xC0F0000000000000)  /* -65536 */
        /* subnormal results: 2^-24 is exact; 2^-25 is a tie to even (0) and underflows */
        TEST_CVT(20, fcvt.h.s, rne, 0, BOX_H | 0x0001, fmv.w.x, 0x33800000)
        TEST_CVT(21, fcvt.h.s, rne, UF | NX, BOX_H | 0x0000, fmv.w.x, 0x33000000)
        TEST_CVT(22, fcvt.h.s, rup, UF | NX, BOX_H | 0x0001, fmv.w.x, 0x33000000)
        TEST_CVT(23, fcvt.h.s, rne, UF | NX, BOX_H | 0x0001, fmv.w.x, 0x33000001)
        TEST_CVT(24, fcvt.h.s, rmm, UF | NX, BOX_H | 0x0001, fmv.w.x, 0x33000000)
        /* NaN and infinity narrowing */
        TEST_CVT(25, fcvt.h.d, rne, NV, BOX_H | 0x7E00, fmv.d.x, 0x7FF0000000000001)
        TEST_CVT(26, fcvt.h.s, rne, 0, BOX_H | 0x7E00, fmv.w.x, 0xFFC12345)
        TEST_CVT(27, fcvt.h.s, rne, 0, BOX_H | 0xFC00, fmv.w.x, 0xFF800000)
        /* the dynamic rounding mode comes from frm */
        li TESTNUM, 28
        li t0, 0x3EAAAAAB
        fmv.w.x f1, t0
        fsrmi 3                         /* rup */
        fcvt.h.s f3, f1, dyn
        fsrmi 0
        fmv.x.h a0, f3
        li t6, 0x3556
        bne a0, t6, fail
        /* with mstatus.FS off, every Zfhmin instruction is illegal */
        li t0, 0x6000
        csrc mstatus, t0
        EXPECT_TRAP(29, 2, 1f)
        flh f1, 0(t2)
        j fail
1:      EXPECT_TRAP(30, 2, 1f)
        fmv.x.h a0, f1
        j fail
1:      EXPECT_TRAP(31, 2, 1f)
        fcvt.s.h f1, f2
        j fail
1:      li t0, 0x2000
        csrs mstatus, t0
        j pass
RVTEST_END
        .data
        .align 3
halves: .half 0x1111, 0xC100, 0x5555, 0x0000
