/* Sstc: stimecmp is S-mode's own timer compare. With menvcfg.STCE, STIP is
 * mtime >= stimecmp and read-only; without it M-mode software owns STIP and S-mode
 * cannot reach stimecmp; S-mode also needs mcounteren.TM; U-mode never reaches it.
 * Last, a delegated timer interrupt set by S-mode alone wakes it from wfi. */
#include "common/harness.h"
#define STCE 0x8000000000000000
#define STIP 0x20
#define MIP_STIP(dst) csrr dst, mip; andi dst, dst, STIP
RVTEST_BEGIN
        PMP_ALLOW_ALL
        /* M-mode reads and writes stimecmp */
        li TESTNUM, 1
        li t0, 0x123456789
        csrw stimecmp, t0
        csrr a0, stimecmp
        bne a0, t0, fail
        /* with STCE, STIP is mtime >= stimecmp */
        li TESTNUM, 2
        li t0, STCE
        csrs menvcfg, t0
        csrr a0, menvcfg
        bgez a0, fail
        csrw stimecmp, x0
        MIP_STIP(a0)
        beqz a0, fail
        li t0, -1
        csrw stimecmp, t0
        MIP_STIP(a0)
        bnez a0, fail
        /* ... and writing mip.STIP changes nothing */
        li TESTNUM, 3
        li t0, STIP
        csrs mip, t0
        MIP_STIP(a0)
        bnez a0, fail
        /* without STCE, M-mode software sets and clears STIP */
        li TESTNUM, 4
        li t0, STCE
        csrc menvcfg, t0
        li t0, STIP
        csrs mip, t0
        MIP_STIP(a0)
        beqz a0, fail
        csrc mip, t0
        MIP_STIP(a0)
        bnez a0, fail
        /* S-mode: illegal without STCE ... */
        li t0, 2
        csrw mcounteren, t0
        EXPECT_TRAP(5, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrr a0, stimecmp
        j fail
1:      /* ... and without mcounteren.TM */
        li t0, STCE
        csrs menvcfg, t0
        csrw mcounteren, x0
        EXPECT_TRAP(6, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrw stimecmp, x0
        j fail
1:      /* with both, S-mode writes and reads it */
        li t0, 2
        csrw mcounteren, t0
        EXPECT_TRAP(7, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      li a1, 0x55555
        csrw stimecmp, a1
        csrr a0, stimecmp
        ecall
        j fail
1:      li t6, 0x55555
        bne a0, t6, fail
        /* U-mode never */
        EXPECT_TRAP(8, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      csrr a0, stimecmp
        j fail
1:      /* S-mode arms its timer a little ahead, sleeps in wfi and takes the delegated
           interrupt; its handler clears STIP by moving stimecmp away */
        li t0, STIP
        csrw mideleg, t0
        csrw mie, t0
        la t0, s_timer
        csrw stvec, t0
        li s2, 0
        EXPECT_TRAP(9, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      csrsi sstatus, 2
        rdtime t0
        addi t0, t0, 1000
        csrw stimecmp, t0
3:      wfi
        beqz s2, 3b
        csrci sstatus, 2
        ecall
        j fail
        .align 2
s_timer:
        csrr s3, scause
        li t0, -1
        csrw stimecmp, t0
        li s2, 1
        sret
1:      li TESTNUM, 10
        li t6, 0x8000000000000005
        bne s3, t6, fail
        MIP_STIP(a0)
        bnez a0, fail
        j pass
RVTEST_END
