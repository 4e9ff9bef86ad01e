/* Cross-modifying code: hart 1 rewrites a routine that hart 0 has already run
 * (so hart 0 holds it decoded, and translated once it is hot); after each
 * rewrite hart 0 executes fence.i and must run the new instruction. Hart 0's
 * own stores never touch the routine, so only its fence.i can make it see the
 * change. Round 0 stores the same instruction again (nothing changed), which
 * must keep working too. Harts 2 and 3 wait. */
#include "common/harness.h"
#define ROUNDS 40
RVTEST_BEGIN
        csrr s0, mhartid
        la s1, round
        la s2, acknowledged
        li t0, 1
        beq s0, zero, hart0
        beq s0, t0, hart1
9:      wfi
        j 9b

hart0:  /* make the routine hot before anything changes */
        li TESTNUM, 1
        li s3, 200
1:      call patchable
        li t6, 1
        bne a0, t6, fail
        addi s3, s3, -1
        bnez s3, 1b
        li s4, 0                        /* the round hart 0 has seen */
2:      lw t1, 0(s1)                    /* wait for hart 1's next round */
        beq t1, s4, 2b
        mv s4, t1
        fence                           /* the store before the round's number */
        fence.i
        li TESTNUM, 2
        li s3, 50                       /* several calls, so the new code is hot too */
3:      call patchable
        bne a0, s4, fail                /* round r stored `li a0, r` (round 1: the same again) */
        addi s3, s3, -1
        bnez s3, 3b
        fence
        sw s4, 0(s2)                    /* acknowledge */
        li t6, ROUNDS
        bne s4, t6, 2b
        j pass

hart1:  li s4, 1
1:      lw t1, 0(s2)                    /* wait for the previous round's acknowledgement */
        addi t2, s4, -1
        bne t1, t2, 1b
        la t0, patchable
        li t1, 0x00000513               /* addi a0, zero, imm: round 1 stores imm 1 again */
        slli t2, s4, 20
        or t1, t1, t2
        sw t1, 0(t0)
        fence
        sw s4, 0(s1)                    /* publish the round */
        addi s4, s4, 1
        li t6, ROUNDS
        ble s4, t6, 1b
8:      wfi
        j 8b

        .option push
        .option norvc
        .align 2
patchable:
        li a0, 1
        ret
        .option pop
RVTEST_END
        .data
        .align 6
round: .word 0
        .align 6
acknowledged: .word 0
