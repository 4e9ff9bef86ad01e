/* A bare-metal guest that never ends: prints "tick N" (N in hex) on the 16550 UART
   every 0.2 s of guest time, sleeping in wfi on the CLINT timer in between. The
   hypervisor's tests run it beside Linux guests to show it keeps making progress. */
        .equ UART, 0x10000000
        .equ MTIMECMP, 0x02004000
        .equ MTIME, 0x0200bff8
        .equ PERIOD, 2000000            /* 0.2 s of the 10 MHz time base */

        .macro putc reg
1:      lbu t6, 5(s1)                   /* wait for THR empty (LSR bit 5) */
        andi t6, t6, 0x20
        beqz t6, 1b
        sb \reg, 0(s1)
        .endm

        .section .text.init
        .globl _start
_start:
        csrr t0, mhartid
        bnez t0, park                   /* one hart ticks; any others sleep */
        li s0, 0                        /* the count */
        li s1, UART
        li s2, MTIME
        li s3, MTIMECMP
        li t0, 0x80
        csrs mie, t0                    /* MTIE: wfi wakes on the timer (mstatus.MIE stays 0, no trap) */
tick:
        la t1, message
2:      lbu t2, 0(t1)
        beqz t2, 3f
        putc t2
        addi t1, t1, 1
        j 2b
3:      li t3, 60                       /* hex digits, most significant first */
4:      srl t2, s0, t3
        andi t2, t2, 0xf
        li t4, 10
        blt t2, t4, 5f
        addi t2, t2, 'a' - 10 - '0'
5:      addi t2, t2, '0'
        putc t2
        addi t3, t3, -4
        bgez t3, 4b
        li t2, '\n'
        putc t2
        addi s0, s0, 1
        ld t0, 0(s2)
        li t1, PERIOD
        add t0, t0, t1
        sd t0, 0(s3)
6:      wfi
        ld t1, 0(s2)
        bltu t1, t0, 6b
        j tick
park:
        wfi
        j park

        .section .rodata
message:
        .asciz "tick "
