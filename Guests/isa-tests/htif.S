/* HTIF: console output through the tohost/fromhost protocol (device 1 and
 * the write system call) and the exit code convention of riscv-tests. */
        .section .text.init
        .globl _start
_start:
        la a0, message
1:      lbu a1, 0(a0)
        beqz a1, 2f
        li t0, (1 << 56) | (1 << 48)     /* device 1 (console), command 1 (putchar) */
        or t0, t0, a1
        la t1, tohost
        sd t0, 0(t1)
3:      ld t2, 0(t1)                     /* the host clears tohost when done */
        bnez t2, 3b
        addi a0, a0, 1
        j 1b
2:      /* syscall write(1, buf, len) through the magic memory block */
        la t0, magic
        li t1, 64
        sd t1, 0(t0)
        li t1, 1
        sd t1, 8(t0)
        la t1, message2
        sd t1, 16(t0)
        li t1, 20                        /* length of message2 */
        sd t1, 24(t0)
        la t1, tohost
        sd t0, 0(t1)
3:      ld t2, 0(t1)
        bnez t2, 3b
        /* exit: (code << 1) | 1; EXIT_CODE 0 passes */
#ifndef EXIT_CODE
#define EXIT_CODE 0
#endif
        li t0, (EXIT_CODE << 1) | 1
        la t1, tohost
        sd t0, 0(t1)
4:      j 4b

        .section .tohost, "aw"
        .align 6
        .globl tohost
tohost: .dword 0
        .type tohost, @object
        .size tohost, 8
        .align 6
        .globl fromhost
fromhost: .dword 0
        .type fromhost, @object
        .size fromhost, 8

        .data
        .align 3
magic:  .skip 64
message: .asciz "HTIF console: hello\n"
message2: .ascii "HTIF syscall: write\n"
message2_end:
