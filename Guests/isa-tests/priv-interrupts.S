/* Interrupts: the machine timer through the CLINT (direct and vectored
 * mtvec), machine software interrupts through msip, supervisor interrupts
 * injected through mip and delegated with mideleg, priority among
 * simultaneous interrupts, global enables per privilege, and wfi. */
#include "common/harness.h"
#define CLINT 0x2000000
#define MTIMECMP (CLINT + 0x4000)
#define MTIME (CLINT + 0xbff8)
#define MIP_MSIP (1 << 3)
#define MIP_MTIP (1 << 7)
#define MIP_SSIP (1 << 1)
#define MIP_STIP (1 << 5)
RVTEST_BEGIN
        li s0, CLINT
        li s1, MTIMECMP
        li s2, MTIME
        /* mtime advances */
        li TESTNUM, 1
        ld a0, 0(s2)
        li t0, 20000
1:      addi t0, t0, -1
        bnez t0, 1b
        ld a1, 0(s2)
        bgeu a0, a1, fail
        /* the time CSR reads mtime */
        li TESTNUM, 2
        ld a0, 0(s2)
        rdtime a1
        bltu a1, a0, fail

        /* a timer interrupt wakes wfi and traps with mcause = interrupt | 7 */
        li TESTNUM, 3
        la t0, timer_handler
        csrw mtvec, t0
        ld a0, 0(s2)
        addi a0, a0, 1000              /* 100 us */
        sd a0, 0(s1)
        li t0, MIP_MTIP
        csrw mie, t0
        li s3, 0
        csrsi mstatus, 8               /* MIE */
2:      wfi
        beqz s3, 2b
        csrci mstatus, 8
        li t6, 0x8000000000000007
        bne s4, t6, fail

        /* vectored mtvec: interrupt cause 7 goes to base + 28 */
        li TESTNUM, 4
        la t0, vector_table
        ori t0, t0, 1
        csrw mtvec, t0
        li s3, 0
        ld a0, 0(s2)
        addi a0, a0, 500
        sd a0, 0(s1)
        csrsi mstatus, 8
2:      wfi
        beqz s3, 2b
        csrci mstatus, 8
        li t6, 7
        bne s3, t6, fail

        /* machine software interrupt through msip */
        li TESTNUM, 5
        la t0, timer_handler
        csrw mtvec, t0
        li t0, MIP_MSIP
        csrw mie, t0
        li s3, 0
        li t0, 1
        sw t0, 0(s0)
        csrr a0, mip
        andi a0, a0, MIP_MSIP
        beqz a0, fail
        csrsi mstatus, 8
        nop
        nop
        csrci mstatus, 8
        beqz s3, fail
        li t6, 0x8000000000000003
        bne s4, t6, fail

        /* priority: with MSIP and MTIP both pending, MSI (3) is taken before MTI (7) */
        li TESTNUM, 6
        li t0, -1
        sd t0, 0(s1)                   /* no timer yet */
        li t0, 1
        sw t0, 0(s0)                   /* MSIP */
        sd x0, 0(s1)                   /* MTIP: mtimecmp = 0 is always due */
        li t0, MIP_MSIP | MIP_MTIP
        csrw mie, t0
        la t0, order_handler
        csrw mtvec, t0
        li s3, 0
        li s5, 0
        csrsi mstatus, 8
        nop
        nop
        nop
        csrci mstatus, 8
        li t6, 0x8000000000000003
        bne s5, t6, fail
        li t6, 0x8000000000000007
        bne s6, t6, fail

        /* wfi with MIE clear still wakes on a pending enabled interrupt, without trapping */
        li TESTNUM, 7
        la t0, default_trap
        csrw mtvec, t0
        li t0, 1
        sw t0, 0(s0)
        li t0, MIP_MSIP
        csrw mie, t0
        wfi
        sw x0, 0(s0)

        /* interrupts for M are taken in S even with mstatus.MIE clear */
        li TESTNUM, 8
        PMP_ALLOW_ALL
        csrci mstatus, 8
        la t0, timer_handler
        csrw mtvec, t0
        li s3, 0
        li t0, MIP_MSIP
        csrw mie, t0
        ENTER_MODE(MPP_S, 2f)
2:      li t0, 1
        li t1, CLINT
        sw t0, 0(t1)                   /* from S: the CLINT is reachable through PMP */
3:      beqz s3, 3b
        /* handler returned to M-mode code below */

        /* delegated supervisor software interrupt: SSIP set by M, taken in S via stvec */
interrupt_s_test:
        li TESTNUM, 9
        li t0, MIP_SSIP | MIP_STIP
        csrw mideleg, t0
        csrw mie, t0
        la t0, s_handler
        csrw stvec, t0
        la t0, m_ecall_handler
        csrw mtvec, t0
        li s3, 0
        csrsi mip, MIP_SSIP
        li t0, 0x2                     /* sstatus.SIE set in S below */
        ENTER_MODE(MPP_S, 2f)
2:      csrsi sstatus, 2
3:      beqz s3, 3b
        csrci sstatus, 2
        li t6, 0x8000000000000001
        bne s4, t6, fail_s
        /* and a supervisor timer interrupt injected as STIP */
        li TESTNUM, 10
        li s3, 0
        ecall                          /* M sets STIP (ecall handler below) */
        li t0, MIP_STIP
        csrs sie, t0
        csrsi sstatus, 2
3:      beqz s3, 3b
        csrci sstatus, 2
        li t6, 0x8000000000000005
        bne s4, t6, fail_s
        /* sip shows the delegated pending bits; S cannot set STIP */
        li TESTNUM, 11
        csrr a0, sip
        andi a0, a0, MIP_STIP
        beqz a0, fail_s
        li t0, MIP_STIP
        csrs sip, t0                   /* ignored */
        li TESTNUM, 12
        ecall                          /* clears STIP, back to M */
        j fail

fail_s: ecall

        .align 2
timer_handler:
        csrr s4, mcause
        li s3, 1
        li t0, -1
        li t1, MTIMECMP
        sd t0, 0(t1)                   /* disarm the timer */
        li t1, CLINT
        sw x0, 0(t1)                   /* clear msip */
        csrr t0, mstatus
        srli t0, t0, 11
        andi t0, t0, 3
        beqz t0, 1f                    /* came from U: not used */
        li t1, 1
        beq t0, t1, from_s
1:      mret
from_s: /* test 8: the interrupt came from S; continue in M */
        li t0, 0x1800
        csrs mstatus, t0
        la t0, interrupt_s_test
        csrw mepc, t0
        mret

        .align 2
order_handler:
        csrr t0, mcause
        bnez s5, 1f
        mv s5, t0                      /* first interrupt */
        li t1, CLINT
        sw x0, 0(t1)
        mret
1:      mv s6, t0                      /* second */
        li t1, -1
        li t2, MTIMECMP
        sd t1, 0(t2)
        mret

        .align 2
s_handler:
        csrr s4, scause
        li s3, 1
        csrci sip, MIP_SSIP
        li t0, MIP_STIP                /* S cannot clear STIP: mask it instead */
        csrc sie, t0
        sret

        /* M-mode handler for ecalls from S during tests 10-12 */
        .align 2
m_ecall_handler:
        csrr t0, mcause
        li t1, 9
        bne t0, t1, fail
        li t0, 10
        beq TESTNUM, t0, 1f
        li t0, 12
        beq TESTNUM, t0, 2f
        j fail                          /* fail_s from S */
1:      li t0, MIP_STIP
        csrs mip, t0
        csrr t0, mepc
        addi t0, t0, 4
        csrw mepc, t0
        mret
2:      li t0, MIP_STIP
        csrc mip, t0
        csrr a0, mip
        andi a0, a0, MIP_STIP
        bnez a0, fail
        /* 13: SEIP reads as the PLIC's signal OR the software bit, but a csrs/csrc of
           mip must not copy the PLIC's signal into the software bit (privileged spec
           3.1.9). The UART's THRE interrupt (PLIC source 10) drives SEIP here. */
        li TESTNUM, 13
        li t1, 0x0c000000 + 4 * 10
        li t0, 1
        sw t0, 0(t1)                   /* source 10 priority 1 */
        li t1, 0x0c002080
        li t0, 1 << 10
        sw t0, 0(t1)                   /* enabled for hart 0's S context */
        li t1, 0x0c201000
        sw x0, 0(t1)                   /* threshold 0 */
        li t1, 0x10000001
        li t0, 2
        sb t0, 0(t1)                   /* UART IER: THR empty interrupt */
        csrr a0, mip
        andi a0, a0, 1 << 9
        beqz a0, fail                  /* the PLIC raised SEIP */
        li t0, MIP_STIP
        csrs mip, t0                   /* read-modify-write while SEIP is high */
        csrc mip, t0
        sb x0, 0(t1)                   /* UART IER off */
        li t1, 0x0c201004
        lw t2, 0(t1)                   /* claim whatever the PLIC still holds ... */
        sw t2, 0(t1)                   /* ... and complete it: nothing is pending now */
        csrr a0, mip
        andi a0, a0, 1 << 9
        bnez a0, fail
        j pass

        .align 6
        .option push
        .option norvc                  /* vector entries are 4 bytes apart */
vector_table:
        .rept 7
        j fail
        .endr
        /* cause 7 */
        j vectored_timer
        j fail
        .option pop
vectored_timer:
        li s3, 7
        li t0, -1
        li t1, MTIMECMP
        sd t0, 0(t1)
        mret
RVTEST_END
