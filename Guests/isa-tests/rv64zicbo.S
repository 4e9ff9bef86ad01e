/* Zicbom, Zicboz, Zicbop on 64-byte blocks. cbo.zero zeroes the block holding its
 * address and nothing else; the management operations and the prefetch hints change
 * no memory. menvcfg and senvcfg gate the operations below M (CBZE, CBCFE, CBIE; CBIE's
 * reserved 10 reads back as 00). Under Sv39, cbo.zero needs write permission, the
 * management operations any access; both fault as stores, with rs1 (not the block's
 * address) in mtval. QEMU 7.2 has neither Zicbom nor Zicboz: it runs none of this. */
#define VM_TRAP_ILLEGAL
#include "common/vm.h"
#define CBIE_FLUSH 0x10
#define CBIE_RESERVED 0x20
#define CBCFE 0x40
#define CBZE 0x80
/* fill the 192 bytes at base with -1 (uses t0 t1) */
#define FILL(base) li t0, -1; li t1, 0; 81: add t6, base, t1; sd t0, 0(t6); addi t1, t1, 8; li t6, 192; bne t1, t6, 81b
/* the dwords [from, to) of base hold `value` (uses t1 t6 a2) */
#define HOLDS(base, from, to, value) li t1, (from) * 8; 82: add t6, base, t1; ld a2, 0(t6); li t6, value; bne a2, t6, FAIL; addi t1, t1, 8; li t6, (to) * 8; bne t1, t6, 82b
RVTEST_BEGIN
#ifndef QEMU_VALIDATION
        PMP_ALLOW_ALL
        la s1, blocks
        /* M-mode: cbo.zero at an unaligned address zeroes exactly its block */
        li TESTNUM, 1
        FILL(s1)
        addi a0, s1, 0x48
        cbo.zero (a0)
        HOLDS(s1, 0, 8, -1)
        HOLDS(s1, 8, 16, 0)
        HOLDS(s1, 16, 24, -1)
        /* management and prefetches change nothing */
        li TESTNUM, 2
        FILL(s1)
        cbo.clean (s1)
        cbo.flush (a0)
        cbo.inval (s1)
        prefetch.r 64(s1)
        prefetch.w 0(s1)
        prefetch.i 128(s1)
        HOLDS(s1, 0, 24, -1)
        /* menvcfg: the fields are writable, CBIE's reserved value is not kept */
        li TESTNUM, 3
        li t0, CBIE_RESERVED
        csrw menvcfg, t0
        csrr a0, menvcfg
        bnez a0, fail
        li t0, CBZE | CBCFE | 0x30
        csrw menvcfg, t0
        csrr a0, menvcfg
        bne a0, t0, fail
        /* S-mode (bare): each operation is illegal without its menvcfg field */
        csrw menvcfg, x0
        EXPECT_TRAP(4, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      cbo.zero (s1)
        j fail
1:      EXPECT_TRAP(5, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      cbo.clean (s1)
        j fail
1:      EXPECT_TRAP(6, 2, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      cbo.inval (s1)
        j fail
1:      /* ... and runs with it (the prefetches need nothing) */
        li t0, CBZE | CBCFE | CBIE_FLUSH
        csrw menvcfg, t0
        FILL(s1)
        addi a0, s1, 0x48
        EXPECT_TRAP(7, 9, 1f)
        ENTER_MODE(MPP_S, 2f)
2:      cbo.zero (a0)
        cbo.clean (s1)
        cbo.flush (s1)
        cbo.inval (s1)
        prefetch.w 0(s1)
        ecall
        j fail
1:      HOLDS(s1, 8, 16, 0)
        HOLDS(s1, 16, 24, -1)
        /* U-mode also needs senvcfg */
        csrw senvcfg, x0
        EXPECT_TRAP(8, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      cbo.zero (s1)
        j fail
1:      li t0, CBCFE
        csrw senvcfg, t0
        EXPECT_TRAP(9, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      cbo.zero (s1)
        j fail
1:      li t0, CBZE | CBCFE | CBIE_FLUSH
        csrw senvcfg, t0
        EXPECT_TRAP(10, 8, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      cbo.zero (s1)
        cbo.flush (s1)
        ecall
        j fail
1:      HOLDS(s1, 0, 8, 0)
        /* senvcfg does not open what menvcfg closes */
        li t0, CBZE
        csrc menvcfg, t0
        EXPECT_TRAP(11, 2, 1f)
        ENTER_MODE(MPP_U, 2f)
2:      cbo.zero (s1)
        j fail
1:      li t0, CBZE
        csrs menvcfg, t0
        /* Sv39: TVA(0) maps the page read-write, TVA(1) read-only, TVA(2) nothing */
        VM_SETUP
        la s2, page
        MAP(0, s2, RW)
        MAP(1, s2, RO)
        FILL(s2)
        TO_S
        sfence.vma
        li TESTNUM, 12
        li a1, TVA(0) + 0x88
        ARM
        cbo.zero (a1)
        NO_TRAP
        HOLDS(s2, 16, 24, 0)
        HOLDS(s2, 0, 16, -1)
        li TESTNUM, 13
        li a1, TVA(1) + 0x48
        ARM
        cbo.zero (a1)
        TRAPPED(15)
        bne s10, a1, FAIL
        HOLDS(s2, 8, 16, -1)
        li TESTNUM, 14
        ARM
        cbo.clean (a1)
        NO_TRAP
        ARM
        cbo.flush (a1)
        NO_TRAP
        li TESTNUM, 15
        li a1, TVA(2) + 0x10
        ARM
        cbo.clean (a1)
        TRAPPED(15)
        bne s10, a1, FAIL
        ARM
        cbo.zero (a1)
        TRAPPED(15)
        bne s10, a1, FAIL
        /* cbo.zero over code this hart ran: the next run sees the zeroes (an illegal
           instruction), with only the fence.i that any store to code needs */
        li TESTNUM, 16
        la s3, code
        jalr s3
        li t6, 7
        bne a0, t6, FAIL
        cbo.zero (s3)
        fence.i
        ARM
        jalr s3
        TRAPPED(2)
        TO_M
#endif
        j pass
        .align 6
code:   li a0, 7
        ret
        .skip 56
        /* the handler resumes after the faulting instruction: a return */
        ret
RVTEST_END
        VM_TABLES
        .align 12
blocks: .skip 192
        .align 12
page:   .skip 4096
