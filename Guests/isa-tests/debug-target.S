/* The program the gdb stub's test debugs (the suite also runs it as it is): a counter in
 * memory counts to 100 in `count_loop`, then `check` makes sure it did and passes. */
#include "common/harness.h"
RVTEST_BEGIN
        li TESTNUM, 1
        la s1, counter
        li s2, 100
count_loop:
        ld t0, 0(s1)
        addi t0, t0, 1
        sd t0, 0(s1)
        blt t0, s2, count_loop
check:
        ld t0, 0(s1)
        bne t0, s2, fail
        j pass
RVTEST_END
        .data
        .align 3
counter: .dword 0
