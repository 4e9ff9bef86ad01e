/* CPU-bound integer loop for the interpreter benchmark: a fixed number of
   iterations of a 6-instruction body (add, xor, shift, compare, branch), then
   poweroff through the test finisher. Instructions retired are exactly
   known: 6 per iteration plus a handful of setup instructions, so
   MIPS = instructions / wall time for any emulator that runs it. */
        .section .text.init
        .globl _start
_start:
        li t0, ITERATIONS
        li t1, 0
        li t2, 1
1:      add t1, t1, t2
        xor t2, t2, t1
        slli t3, t1, 3
        addi t0, t0, -1
        add t2, t2, t3
        bnez t0, 1b
        li t0, 0x100000
        li t1, 0x5555
        sw t1, 0(t0)
2:      j 2b
