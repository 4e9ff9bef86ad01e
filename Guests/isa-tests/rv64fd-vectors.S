/* F and D against reference vectors: every arithmetic, fused, compare,
 * classify, sign-injection and conversion instruction of both formats, under
 * all five rounding modes (through frm and the dynamic rm field), checking
 * result bits (NaN-boxing included) and the accrued flags. A second pass runs
 * every vector with NX already accrued (as in most programs, where an
 * implementation may skip work for flags that are set): the results must be the
 * same and the flags the expected ones plus NX.
 * Vectors: fp/gen_vectors.py. Built with -DGENERATE, it prints results instead
 * of checking them, to record the reference on another implementation. */
#include "common/harness.h"
#include "fp-vectors.inc"

RVTEST_BEGIN
        li s5, 0                      /* fflags before each vector: 0, then NX */
        li s6, 1                      /* test number of the first vector in this pass */
pass_start:
        la s0, vectors
        li s1, VECTOR_COUNT
        li s2, 0                      /* vector index */
next:
        beq s2, s1, done
        ld t0, 0(s0)                  /* op */
        ld t1, 8(s0)                  /* rm */
        ld a2, 16(s0)
        ld a3, 24(s0)
        ld a4, 32(s0)
        fmv.d.x f1, a2
        fmv.d.x f2, a3
        fmv.d.x f3, a4
        csrw frm, t1
        csrw fflags, s5
        la t2, op_table
        slli t0, t0, 3
        add t2, t2, t0
        ld t2, 0(t2)
        jr t2
op_done:
        csrr a1, fflags
#ifdef GENERATE
        li a0, 'R'
        call putc
        li a0, ' '
        call putc
        mv a0, s3
        li a2, 16
        call puthex
        li a0, ' '
        call putc
        csrr a0, fflags
        li a2, 2
        call puthex
        li a0, '\n'
        call putc
#else
        add TESTNUM, s2, s6
        ld t3, 40(s0)
        bne s3, t3, mismatch
        ld t3, 48(s0)
        or t3, t3, s5
        bne a1, t3, mismatch
#endif
        addi s0, s0, 56
        addi s2, s2, 1
        j next
done:
#ifndef GENERATE
        bnez s5, pass
        li s5, 1
        addi s6, s1, 1
        j pass_start
#endif
        j pass

mismatch:
        /* print the failing vector's index, result and flags, then fail */
        mv s4, a1
        la a0, mismatch_text
        call puts
        mv a0, s2
        li a2, 8
        call puthex
        li a0, ' '
        call putc
        mv a0, s3
        li a2, 16
        call puthex
        li a0, ' '
        call putc
        mv a0, s4
        li a2, 2
        call puthex
        li a0, '\n'
        call putc
        j fail

/* a0: character */
putc:
        li t4, UART
1:      lbu t5, 5(t4)
        andi t5, t5, 0x20
        beqz t5, 1b
        sb a0, 0(t4)
        ret
/* a0: string */
puts:
        mv t3, a0
        mv a5, ra
1:      lbu a0, 0(t3)
        beqz a0, 2f
        call putc
        addi t3, t3, 1
        j 1b
2:      mv ra, a5
        ret
/* a0: value, a2: digits */
puthex:
        mv a5, ra
        mv a3, a0
        mv a4, a2
1:      addi a4, a4, -1
        slli t3, a4, 2
        srl a0, a3, t3
        andi a0, a0, 15
        li t3, 10
        blt a0, t3, 2f
        addi a0, a0, 'a' - 10
        j 3f
2:      addi a0, a0, '0'
3:      call putc
        bnez a4, 1b
        mv ra, a5
        ret

#define BIN(name, inst) name: inst f4, f1, f2, dyn; fmv.x.d s3, f4; j op_done
#define UN(name, inst) name: inst f4, f1, dyn; fmv.x.d s3, f4; j op_done
#define FMA(name, inst) name: inst f4, f1, f2, f3, dyn; fmv.x.d s3, f4; j op_done
#define NR(name, inst) name: inst f4, f1, f2; fmv.x.d s3, f4; j op_done
#define CMP(name, inst) name: inst s3, f1, f2; j op_done
#define CLS(name, inst) name: inst s3, f1; j op_done
#define TOINT(name, inst) name: inst s3, f1, dyn; j op_done
#define FROMINT(name, inst) name: inst f4, a2, dyn; fmv.x.d s3, f4; j op_done
#define FROMINT_EXACT(name, inst) name: inst f4, a2; fmv.x.d s3, f4; j op_done

BIN(fadd_d, fadd.d)
BIN(fsub_d, fsub.d)
BIN(fmul_d, fmul.d)
BIN(fdiv_d, fdiv.d)
UN(fsqrt_d, fsqrt.d)
FMA(fmadd_d, fmadd.d)
FMA(fmsub_d, fmsub.d)
FMA(fnmsub_d, fnmsub.d)
FMA(fnmadd_d, fnmadd.d)
NR(fmin_d, fmin.d)
NR(fmax_d, fmax.d)
CMP(feq_d, feq.d)
CMP(flt_d, flt.d)
CMP(fle_d, fle.d)
CLS(fclass_d, fclass.d)
NR(fsgnj_d, fsgnj.d)
NR(fsgnjn_d, fsgnjn.d)
NR(fsgnjx_d, fsgnjx.d)
TOINT(fcvt_w_d, fcvt.w.d)
TOINT(fcvt_wu_d, fcvt.wu.d)
TOINT(fcvt_l_d, fcvt.l.d)
TOINT(fcvt_lu_d, fcvt.lu.d)
FROMINT_EXACT(fcvt_d_w, fcvt.d.w)
FROMINT_EXACT(fcvt_d_wu, fcvt.d.wu)
FROMINT(fcvt_d_l, fcvt.d.l)
FROMINT(fcvt_d_lu, fcvt.d.lu)
UN(fcvt_s_d, fcvt.s.d)
BIN(fadd_s, fadd.s)
BIN(fsub_s, fsub.s)
BIN(fmul_s, fmul.s)
BIN(fdiv_s, fdiv.s)
UN(fsqrt_s, fsqrt.s)
FMA(fmadd_s, fmadd.s)
FMA(fmsub_s, fmsub.s)
FMA(fnmsub_s, fnmsub.s)
FMA(fnmadd_s, fnmadd.s)
NR(fmin_s, fmin.s)
NR(fmax_s, fmax.s)
CMP(feq_s, feq.s)
CMP(flt_s, flt.s)
CMP(fle_s, fle.s)
CLS(fclass_s, fclass.s)
NR(fsgnj_s, fsgnj.s)
NR(fsgnjn_s, fsgnjn.s)
NR(fsgnjx_s, fsgnjx.s)
TOINT(fcvt_w_s, fcvt.w.s)
TOINT(fcvt_wu_s, fcvt.wu.s)
TOINT(fcvt_l_s, fcvt.l.s)
TOINT(fcvt_lu_s, fcvt.lu.s)
FROMINT(fcvt_s_w, fcvt.s.w)
FROMINT(fcvt_s_wu, fcvt.s.wu)
FROMINT(fcvt_s_l, fcvt.s.l)
FROMINT(fcvt_s_lu, fcvt.s.lu)
/* fcvt.d.s is exact: no rounding-mode operand in older assemblers */
fcvt_d_s: fcvt.d.s f4, f1; fmv.x.d s3, f4; j op_done

RVTEST_END
        .data
        .align 3
op_table:
        .dword fadd_d, fsub_d, fmul_d, fdiv_d, fsqrt_d, fmadd_d, fmsub_d, fnmsub_d, fnmadd_d
        .dword fmin_d, fmax_d, feq_d, flt_d, fle_d, fclass_d, fsgnj_d, fsgnjn_d, fsgnjx_d
        .dword fcvt_w_d, fcvt_wu_d, fcvt_l_d, fcvt_lu_d, fcvt_d_w, fcvt_d_wu, fcvt_d_l, fcvt_d_lu, fcvt_s_d
        .dword fadd_s, fsub_s, fmul_s, fdiv_s, fsqrt_s, fmadd_s, fmsub_s, fnmsub_s, fnmadd_s
        .dword fmin_s, fmax_s, feq_s, flt_s, fle_s, fclass_s, fsgnj_s, fsgnjn_s, fsgnjx_s
        .dword fcvt_w_s, fcvt_wu_s, fcvt_l_s, fcvt_lu_s, fcvt_s_w, fcvt_s_wu, fcvt_s_l, fcvt_s_lu, fcvt_d_s
mismatch_text: .asciz "fp vector mismatch: index result flags = "
        .align 3
vectors:
        VECTORS
