/* Zihintpause: `pause` is a FENCE hint (pred = W, succ = 0, fm = 0, rd = rs1 = 0). It
 * must retire as a no-op, leave every register alone, and not trap, in a loop a spin
 * lock would run; the other FENCE forms around it still work. */
#include "common/harness.h"
RVTEST_BEGIN
        li TESTNUM, 1
        li t0, 1000
        li t1, 0x1234
        la t2, word
1:      .word 0x0100000f               /* pause */
        sd t1, 0(t2)
        fence w, r
        ld t3, 0(t2)
        bne t3, t1, fail
        addi t0, t0, -1
        bnez t0, 1b
        li TESTNUM, 2
        li t4, 0x1234
        bne t1, t4, fail               /* pause changed no register */
        li TESTNUM, 3
        fence rw, rw
        fence.i
        .word 0x0100000f
        j pass
RVTEST_END
        .data
        .align 3
word:   .dword 0
