/* Svinval: sfence.w.inval, sinval.vma and sfence.inval.ir, in that order, do what
 * one sfence.vma does (here with an address and with x0); TVM makes sinval.vma
 * illegal in S-mode but not the two fences; U-mode may run none of them. */
#define VM_TRAP_ILLEGAL
#include "common/vm.h"
#define MSTATUS_TVM (1 << 20)
RVTEST_BEGIN
        PMP_ALLOW_ALL
        /* U-mode (bare): all three are illegal */
#ifndef QEMU_VALIDATION  /* QEMU 7.2 runs the two fences in U-mode as no-ops */
        EXPECT_TRAP(1, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      sfence.w.inval
        j fail
1:      EXPECT_TRAP(2, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      sfence.inval.ir
        j fail
1:
#endif
        EXPECT_TRAP(3, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      sinval.vma zero, zero
        j fail
1:      VM_SETUP
        la s1, frames
        li t0, 0xA
        sd t0, 0(s1)
        li t0, 4096
        add s2, s1, t0
        li t0, 0xB
        sd t0, 0(s2)
        MAP(0, s1, RW)
        li TESTNUM, 4
        TO_S
        sfence.vma
        li a1, TVA(0)
        ld a0, 0(a1)
        EXPECT(a0, 0xA)
        /* remap to frame B, then the Svinval sequence for that address */
        li TESTNUM, 5
        sfence.w.inval
        MAP(0, s2, RW)
        sfence.w.inval
        sinval.vma a1, zero
        sfence.inval.ir
        ld a0, 0(a1)
        EXPECT(a0, 0xB)
        /* back to frame A, invalidating every address */
        li TESTNUM, 6
        MAP(0, s1, RW)
        sfence.w.inval
        sinval.vma zero, zero
        sfence.inval.ir
        ld a0, 0(a1)
        EXPECT(a0, 0xA)
        TO_M
        /* TVM: sinval.vma traps in S-mode, the fences do not */
        li TESTNUM, 7
        li t0, MSTATUS_TVM
        csrs mstatus, t0
        TO_S
        ARM
        sfence.w.inval
        NO_TRAP
        ARM
        sfence.inval.ir
        NO_TRAP
        li TESTNUM, 8
        ARM
        sinval.vma a1, zero
        TRAPPED(2)
        TO_M
        li t0, MSTATUS_TVM
        csrc mstatus, t0
        j pass
RVTEST_END
        VM_TABLES
        .align 12
frames: .skip 8192
