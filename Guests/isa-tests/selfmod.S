/* Self-modifying code: a routine rewritten in place is re-decoded after
 * fence.i, including a 4-byte instruction that straddles a page boundary. */
#include "common/harness.h"
RVTEST_BEGIN
        li TESTNUM, 1
        call patchable
        li t6, 1
        bne a0, t6, fail
        /* rewrite `li a0, 1` into `li a0, 2` (addi a0, zero, 2) */
        la t0, patchable
        li t1, 0x00200513
        sw t1, 0(t0)
        fence.i
        li TESTNUM, 2
        call patchable
        li t6, 2
        bne a0, t6, fail
        /* a loop over the same code: every iteration sees the last store */
        li TESTNUM, 3
        li s1, 0
        li s2, 5
1:      la t0, patchable
        li t1, 0x00000513               /* addi a0, zero, imm */
        slli t2, s1, 20
        or t1, t1, t2
        sw t1, 0(t0)
        fence.i
        call patchable
        bne a0, s1, fail
        addi s1, s1, 1
        bne s1, s2, 1b
        /* an instruction across a page boundary (see `straddle` below) */
        li TESTNUM, 4
        call straddle
        li t6, 0x123
        bne a0, t6, fail
        la t0, straddle_insn
        li t1, 0x45600513               /* addi a0, zero, 0x456 */
        sh t1, 0(t0)
        srli t1, t1, 16
        sh t1, 2(t0)
        fence.i
        li TESTNUM, 5
        call straddle
        li t6, 0x456
        bne a0, t6, fail
        j pass

        .option push
        .option norvc
        .align 2
patchable:
        li a0, 1
        ret
        .option pop
        /* place a 4-byte instruction at offset 0xffe of a page */
        .align 12
        .skip 4096 - 6
straddle:
        .option push
        .option norvc
        nop
        .option pop
        .option push
        .option rvc
        c.nop
        .option pop
straddle_insn:
        .option push
        .option norvc
        li a0, 0x123
        ret
        .option pop
RVTEST_END
