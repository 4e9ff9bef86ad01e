/* RVC: every compressed instruction of RV64C, written with explicit c.* mnemonics. */
#include "common/harness.h"
RVTEST_BEGIN
        .option push
        .option rvc
        la s0, scratch
        TEST_CASE(1, a0, 0x1f, li a0, 0; c.li a0, 31)
        TEST_CASE(2, a0, -32, c.li a0, -32)
        TEST_CASE(3, a0, 0x1f + 5, li a0, 0x1f; c.addi a0, 5)
        TEST_CASE(4, a0, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1)
        TEST_CASE(5, a0, 0xfffffffffffe0000, c.lui a0, 0xfffe0)
        TEST_CASE(6, a0, 0x1f000, c.lui a0, 0x1f)
        li TESTNUM, 7
        mv s1, sp
        c.addi16sp sp, -64
        sub a0, s1, sp
        li t6, 64
        bne a0, t6, fail
        c.addi16sp sp, 64
        li TESTNUM, 8
        c.addi4spn a0, sp, 1020
        sub a0, a0, sp
        li t6, 1020
        bne a0, t6, fail
        TEST_CASE(9, a0, 0x3c0, li a0, 0xf; c.slli a0, 6)
        TEST_CASE(10, s1, 0x0fffffffffffffff, li s1, -1; c.srli s1, 4)
        TEST_CASE(11, s1, 0xffffffffffffffff, li s1, 0x8000000000000000; c.srai s1, 63)
        TEST_CASE(12, s1, 0x10, li s1, 0x1f; c.andi s1, -16)
        TEST_CASE(13, a0, 42, li a1, 42; c.mv a0, a1)
        TEST_CASE(14, a0, 50, li a0, 8; li a1, 42; c.add a0, a1)
        TEST_CASE(15, s1, 0xfffffffffffffff9, li s1, 1; li a1, 8; c.sub s1, a1)
        TEST_CASE(16, s1, 0xff, li s1, 0xf0; li a1, 0x0f; c.or s1, a1)
        TEST_CASE(17, s1, 0xf0, li s1, 0xff; li a1, 0x0f; c.xor s1, a1)
        TEST_CASE(18, s1, 0x0f, li s1, 0xff; li a1, 0x0f; c.and s1, a1)
        TEST_CASE(19, s1, 0xffffffff80000000, li s1, 0x7fffffff; li a1, 1; c.addw s1, a1)
        TEST_CASE(20, s1, 0x000000007fffffff, li s1, 0x80000000; li a1, 1; c.subw s1, a1)
        /* loads and stores, register and stack-pointer based */
        li a1, 0x1122334455667788
        c.sd a1, 8(s0)
        TEST_CASE(21, a0, 0x1122334455667788, c.ld a0, 8(s0))
        TEST_CASE(22, a0, 0x55667788, c.lw a0, 8(s0))
        li a1, 0x80000000
        c.sw a1, 16(s0)
        TEST_CASE(23, a0, 0xffffffff80000000, c.lw a0, 16(s0))
        mv s1, sp
        mv sp, s0
        li a1, 0x0123456789abcdef
        c.sdsp a1, 24(sp)
        TEST_CASE(24, a0, 0x0123456789abcdef, c.ldsp a0, 24(sp))
        c.swsp a1, 32(sp)
        TEST_CASE(25, a0, 0xffffffff89abcdef, c.lwsp a0, 32(sp))
        li a1, 0x400921fb54442d18
        fmv.d.x f9, a1
        c.fsdsp f9, 40(sp)
        c.fldsp f10, 40(sp)
        TEST_CASE(26, a0, 0x400921fb54442d18, fmv.x.d a0, f10)
        c.fsd f9, 48(s0)
        c.fld f8, 48(s0)
        TEST_CASE(27, a0, 0x400921fb54442d18, fmv.x.d a0, f8)
        mv sp, s1
        /* control transfer */
        li TESTNUM, 28
        c.j 1f
        j fail
1:      li TESTNUM, 29
        li s1, 0
        c.beqz s1, 1f
        j fail
1:      c.bnez s1, fail_far
        li s1, 1
        c.bnez s1, 1f
        j fail
1:      li TESTNUM, 30
        la a1, 1f
        c.jr a1
        j fail
1:      li TESTNUM, 31
        la a1, 2f
        c.jalr a1
1:      j 3f
2:      la a2, 1b
        bne ra, a2, fail
        ret
3:      li TESTNUM, 32
        /* c.ebreak traps with cause 3 */
        EXPECT_TRAP(32, 3, 1f)
        c.ebreak
        j fail
1:      c.nop
        .option pop
        j pass
fail_far:
        j fail
RVTEST_END
