/* LR/SC and AMOs across harts: run with 4 harts (the Swift suite runs smp-*
 * programs that way). Every hart adds 1 to a shared counter ITER times with
 * amoadd.d and ITER times with an LR/SC loop; the last hart to finish checks
 * that the counter is exactly 2 * ITER * harts. A lost update fails. */
#include "common/harness.h"
#define ITER 20000
#define HARTS 4
RVTEST_BEGIN
        csrr s0, mhartid
        la s1, counter
        la s2, finished
        /* give each hart its own stack slice (not used, but keep them apart) */
        li t0, ITER
        li t1, 1
1:      amoadd.d x0, t1, (s1)
        addi t0, t0, -1
        bnez t0, 1b
        li t0, ITER
2:      lr.d a0, (s1)
        addi a0, a0, 1
        sc.d a1, a0, (s1)
        bnez a1, 2b
        addi t0, t0, -1
        bnez t0, 2b
        /* announce completion; the last one checks */
        li t1, 1
        amoadd.w a2, t1, (s2)
        addi a2, a2, 1
        li t6, HARTS
        bne a2, t6, 3f
        li TESTNUM, 1
        ld a0, 0(s1)
        li t6, 2 * ITER * HARTS
        bne a0, t6, fail
        j pass
3:      wfi
        j 3b
RVTEST_END
        .data
        .align 6
counter: .dword 0
        .align 6
finished: .word 0
