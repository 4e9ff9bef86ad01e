/* RV64I: every integer instruction, with sign-extension and edge cases. */
#include "common/harness.h"
RVTEST_BEGIN
        TEST_RR(1, add, 0x00000000, 0x00000000, 0x00000000)
        TEST_RR(2, add, 0x0000000a, 0x00000003, 0x00000007)
        TEST_RR(3, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
        TEST_RR(4, sub, 0xfffffffffffffffc, 3, 7)
        TEST_RR(5, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
        TEST_RR(6, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
        TEST_RR(7, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
        TEST_RR(8, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
        TEST_RR(9, sll, 0x8000000000000000, 1, 63)
        TEST_RR(10, sll, 0x2, 1, 65)                     /* shift amount is rs2[5:0] */
        TEST_RR(11, srl, 0x1, 0x8000000000000000, 63)
        TEST_RR(12, sra, 0xffffffffffffffff, 0x8000000000000000, 63)
        TEST_RR(13, slt, 1, -1, 0)
        TEST_RR(14, slt, 0, 0, -1)
        TEST_RR(15, sltu, 0, -1, 0)
        TEST_RR(16, sltu, 1, 0, -1)
        TEST_RI(17, addi, 0xfffffffffffff802, 2, -2048)
        TEST_RI(18, addi, 0x7ff, 0, 2047)
        TEST_RI(19, andi, 0xff00ff00, 0xff00ff00, -1)
        TEST_RI(20, andi, 0x0000, 0xff00ff0f, 0x0f0)
        TEST_RI(21, ori, 0xfffffffffffff80f, 0x0f, -2048)
        TEST_RI(22, xori, 0xffffffffff00f00f, 0x00ff0ff0, -0x1)
        TEST_RI(23, slti, 1, -5, -4)
        TEST_RI(24, sltiu, 1, 5, -1)                     /* immediate sign-extended, compared unsigned */
        TEST_RI(25, slli, 0x8000000000000000, 1, 63)
        TEST_RI(26, srli, 0x0000000000000001, 0x8000000000000000, 63)
        TEST_RI(27, srai, 0xfffffffffff00000, 0x8000000000000000, 43)
        TEST_RR(28, addw, 0xffffffff80000000, 0x7fffffff, 1)
        TEST_RR(29, addw, 0x0000000000000002, 0xffffffff00000001, 1)
        TEST_RR(30, subw, 0x000000007fffffff, 0xffffffff80000000, 1)
        TEST_RR(31, sllw, 0xffffffff80000000, 1, 31)
        TEST_RR(32, sllw, 0x2, 1, 33)                    /* shift amount is rs2[4:0] */
        TEST_RR(33, srlw, 0x0000000000000001, 0xffffffff80000000, 31)
        TEST_RR(34, srlw, 0xffffffff80000000, 0x0000000080000000, 0)
        TEST_RR(35, sraw, 0xffffffffffffffff, 0x0000000080000000, 31)
        TEST_RI(36, addiw, 0xffffffff80000000, 0x7fffffff, 1)
        TEST_RI(37, slliw, 0xffffffff80000000, 1, 31)
        TEST_RI(38, srliw, 0x0000000000000001, 0x80000000, 31)
        TEST_RI(39, sraiw, 0xffffffffffffffff, 0x80000000, 31)
        TEST_RI(40, sraiw, 0x0000000000000001, 0xffffffff00000002, 1)

        /* lui / auipc */
        TEST_CASE(41, a0, 0xffffffff80000000, lui a0, 0x80000)
        TEST_CASE(42, a0, 0x7ffff000, lui a0, 0x7ffff)
        li TESTNUM, 43
1:      auipc a0, 0
        la a1, 1b
        bne a0, a1, fail
        li TESTNUM, 44
1:      auipc a0, 1
        la a1, 1b
        sub a0, a0, a1
        li a1, 4096
        bne a0, a1, fail

        /* jal / jalr: link register and targets */
        li TESTNUM, 45
        jal ra, 1f
2:      j fail
1:      la a1, 2b
        bne ra, a1, fail
        li TESTNUM, 46
        la a1, 1f
        addi a1, a1, 1                   /* jalr clears bit 0 of the target */
        jalr a2, 0(a1)
        j fail
1:      li TESTNUM, 47
        la a1, 1f
        jalr a1, 0(a1)                   /* rd == rs1: target read before link written */
        j fail
1:
        /* branches: taken and not taken, signed and unsigned */
        li TESTNUM, 48
        li a1, -1
        li a2, 1
        beq a1, a2, fail
        bne a1, a1, fail
        bge a1, a2, fail
        blt a2, a1, fail
        bltu a1, a2, fail
        bgeu a2, a1, fail
        blt a1, a2, 1f
        j fail
1:      bltu a2, a1, 1f
        j fail
1:      bge a2, a1, 1f
        j fail
1:      bgeu a1, a2, 1f
        j fail
1:      beq a1, a1, 1f
        j fail
1:      bne a1, a2, 1f
        j fail
1:
        /* loads and stores of every width, sign and zero extension */
        la s0, scratch
        li a1, 0x8877665544332211
        sd a1, 0(s0)
        TEST_CASE(49, a0, 0x11, lb a0, 0(s0))
        TEST_CASE(50, a0, 0xffffffffffffff88, lb a0, 7(s0))
        TEST_CASE(51, a0, 0x88, lbu a0, 7(s0))
        TEST_CASE(52, a0, 0xffffffffffff8877, lh a0, 6(s0))
        TEST_CASE(53, a0, 0x8877, lhu a0, 6(s0))
        TEST_CASE(54, a0, 0xffffffff88776655, lw a0, 4(s0))
        TEST_CASE(55, a0, 0x88776655, lwu a0, 4(s0))
        TEST_CASE(56, a0, 0x8877665544332211, ld a0, 0(s0))
        li a1, 0xaabbccdd
        sb a1, 8(s0)
        sh a1, 10(s0)
        sw a1, 12(s0)
        TEST_CASE(57, a0, 0xaabbccddccdd00dd, ld a0, 8(s0))
        sd a1, 16(s0)
        TEST_CASE(58, a0, 0x00000000aabbccdd, ld a0, 16(s0))
        /* negative offsets */
        addi s1, s0, 64
        li a1, 0x1234
        sd a1, -8(s1)
        TEST_CASE(59, a0, 0x1234, ld a0, 56(s0))
        /* misaligned accesses are handled in hardware */
        li a1, 0x0102030405060708
        sd a1, 33(s0)
        TEST_CASE(60, a0, 0x0102030405060708, ld a0, 33(s0))
        TEST_CASE(61, a0, 0x05060708, lw a0, 33(s0))
        TEST_CASE(62, a0, 0x0000000000000607, lhu a0, 34(s0))
        /* a misaligned doubleword crossing a page boundary */
        li a1, 0x1122334455667788
        li t0, 4093
        add t0, s0, t0
        sd a1, 0(t0)
        TEST_CASE(63, a0, 0x1122334455667788, ld a0, 0(t0))
        /* x0 ignores writes */
        TEST_CASE(64, x0, 0, li x0, 5; addi x0, x0, 7; lui x0, 1)
        /* fence is a no-op for a single hart */
        fence
        fence rw, rw
        j pass
RVTEST_END
