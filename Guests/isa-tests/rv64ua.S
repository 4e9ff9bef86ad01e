/* RV64A: LR/SC and every AMO on words and doublewords. */
#include "common/harness.h"
#define AMO_TEST(n, inst, old, operand, new_expected) \
        li TESTNUM, n; \
        li t0, old; sd t0, 0(s0); \
        li t1, operand; \
        inst a0, t1, (s0); \
        li t6, old; bne a0, t6, fail; \
        ld a1, 0(s0); li t6, new_expected; bne a1, t6, fail;
#define AMO_TEST_W(n, inst, old, operand, ret_expected, new_expected) \
        li TESTNUM, n; \
        li t0, old; sw t0, 0(s0); \
        li t1, operand; \
        inst a0, t1, (s0); \
        li t6, ret_expected; bne a0, t6, fail; \
        lwu a1, 0(s0); li t6, new_expected; bne a1, t6, fail;
RVTEST_BEGIN
        la s0, scratch
        AMO_TEST(1, amoswap.d, 0x1111, 0x2222, 0x2222)
        AMO_TEST(2, amoadd.d, 0xffffffffffffffff, 2, 1)
        AMO_TEST(3, amoxor.d, 0xff00, 0x0ff0, 0xf0f0)
        AMO_TEST(4, amoand.d, 0xff00, 0x0ff0, 0x0f00)
        AMO_TEST(5, amoor.d, 0xff00, 0x0ff0, 0xfff0)
        AMO_TEST(6, amomin.d, -5, 3, -5)
        AMO_TEST(7, amomax.d, -5, 3, 3)
        AMO_TEST(8, amominu.d, -5, 3, 3)
        AMO_TEST(9, amomaxu.d, -5, 3, -5)
        AMO_TEST_W(10, amoswap.w, 0x80000000, 0x1, 0xffffffff80000000, 0x1)
        AMO_TEST_W(11, amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0x80000000)
        AMO_TEST_W(12, amoxor.w, 0xff00, 0x0ff0, 0xff00, 0xf0f0)
        AMO_TEST_W(13, amoand.w, 0xff00, 0x0ff0, 0xff00, 0x0f00)
        AMO_TEST_W(14, amoor.w, 0xff00, 0x0ff0, 0xff00, 0xfff0)
        AMO_TEST_W(15, amomin.w, 0xfffffffb, 3, 0xfffffffffffffffb, 0xfffffffb)
        AMO_TEST_W(16, amomax.w, 0xfffffffb, 3, 0xfffffffffffffffb, 3)
        AMO_TEST_W(17, amominu.w, 0xfffffffb, 3, 0xfffffffffffffffb, 3)
        AMO_TEST_W(18, amomaxu.w, 0xfffffffb, 3, 0xfffffffffffffffb, 0xfffffffb)
        /* the upper word next to a .w AMO is untouched */
        li TESTNUM, 19
        li t0, 0x1234567800000000
        sd t0, 0(s0)
        li t1, 1
        amoadd.w a0, t1, (s0)
        ld a1, 0(s0)
        li t6, 0x1234567800000001
        bne a1, t6, fail
        /* LR/SC success */
        li TESTNUM, 20
        li t0, 100
        sd t0, 8(s0)
        addi a2, s0, 8
        lr.d a0, (a2)
        addi a0, a0, 1
        sc.d a1, a0, (a2)
        bnez a1, fail
        ld a3, 8(s0)
        li t6, 101
        bne a3, t6, fail
        /* SC without a reservation fails and stores nothing */
        li TESTNUM, 21
        li t0, 7
        sc.d a1, t0, (a2)
        beqz a1, fail
        ld a3, 8(s0)
        li t6, 101
        bne a3, t6, fail
        /* SC to a different address than the LR fails */
        li TESTNUM, 22
        lr.d a0, (a2)
        addi a4, s0, 16
        sc.d a1, t0, (a4)
        beqz a1, fail
        /* lr.w sign-extends; sc.w stores a word */
        li TESTNUM, 23
        li t0, 0x80000000
        sw t0, 24(s0)
        addi a2, s0, 24
        lr.w a0, (a2)
        li t6, 0xffffffff80000000
        bne a0, t6, fail
        li t0, 0x5
        sc.w a1, t0, (a2)
        bnez a1, fail
        lw a3, 24(s0)
        li t6, 5
        bne a3, t6, fail
        /* a trap between LR and SC drops the reservation */
        li TESTNUM, 24
        lr.w a0, (a2)
        EXPECT_TRAP(24, 3, 1f)
        ebreak
1:      sc.w a1, t0, (a2)
        beqz a1, fail
#ifndef QEMU_VALIDATION
        /* misaligned AMO: store/AMO address misaligned (cause 6); the spec also allows an
           access fault, which is what QEMU raises, so this check is Isola's choice */
        EXPECT_TRAP(25, 6, 1f)
        addi a2, s0, 4
        amoadd.d a0, t0, (a2)
        j fail
1:      EXPECT_TRAP(26, 4, 1f)
        addi a2, s0, 2
        lr.w a0, (a2)
        j fail
1:
#endif
        j pass
RVTEST_END
