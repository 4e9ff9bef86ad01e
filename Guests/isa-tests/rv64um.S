/* RV64M: multiply and divide, including division by zero and overflow. */
#include "common/harness.h"
RVTEST_BEGIN
        TEST_RR(1, mul, 0x599400, 0x7e00, 0xb6)
        TEST_RR(2, mul, 0xfffffffffffffff7, 3, -3)
        TEST_RR(3, mul, 0x0000000000000001, -1, -1)
        TEST_RR(4, mulh, 0xffffffffffffffff, -1, 1)
        TEST_RR(5, mulh, 0x0000000000000000, -1, -1)
        TEST_RR(6, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
        TEST_RR(7, mulhu, 0xfffffffffffffffe, -1, -1)
        TEST_RR(8, mulhu, 0x0000000000000001, 0x8000000000000000, 2)
        TEST_RR(9, mulhsu, 0xffffffffffffffff, -1, 1)
        TEST_RR(10, mulhsu, 0xffffffffffffffff, -1, -1)
        TEST_RR(11, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, -1)
        TEST_RR(12, mulw, 0xffffffff80000000, 0x40000000, 2)
        TEST_RR(13, mulw, 0x0000000000000001, 0xffffffff00000001, 0x1)
        TEST_RR(14, div, 3, 20, 6)
        TEST_RR(15, div, -3, -20, 6)
        TEST_RR(16, div, -3, 20, -6)
        TEST_RR(17, div, 3, -20, -6)
        TEST_RR(18, div, -1, 20, 0)                        /* division by zero */
        TEST_RR(19, div, 0x8000000000000000, 0x8000000000000000, -1)  /* overflow */
        TEST_RR(20, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
        TEST_RR(21, divu, -1, 20, 0)
        TEST_RR(22, rem, 2, 20, 6)
        TEST_RR(23, rem, -2, -20, 6)
        TEST_RR(24, rem, 2, 20, -6)
        TEST_RR(25, rem, 20, 20, 0)
        TEST_RR(26, rem, 0, 0x8000000000000000, -1)
        TEST_RR(27, remu, 2, -20, 6)
        TEST_RR(28, remu, 20, 20, 0)
        TEST_RR(29, divw, -3, -20, 6)
        TEST_RR(30, divw, -1, 20, 0)
        TEST_RR(31, divw, 0xffffffff80000000, 0x80000000, -1)
        TEST_RR(32, divw, 3, 0xffffffff00000014, 6)          /* upper bits ignored */
        TEST_RR(33, divuw, 0x2aaaaaa7, 0xffffffec, 6)
        TEST_RR(34, divuw, -1, 20, 0)
        TEST_RR(35, remw, -2, -20, 6)
        TEST_RR(36, remw, 0, 0x80000000, -1)
        TEST_RR(37, remw, 20, 20, 0)
        TEST_RR(38, remuw, 2, 0xffffffec, 6)
        TEST_RR(39, remuw, 0xffffffff80000000, 0x80000000, 0)  /* result sign-extended */
        j pass
RVTEST_END
