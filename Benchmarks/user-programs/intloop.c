/* Integer loop: a linear congruential mix, 400M iterations of add/xor/shift/multiply. */
#include <stdio.h>
int main(void) {
    unsigned long x = 1, sum = 0;
    for (long i = 0; i < 400000000L; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        sum += (x >> 33) ^ (unsigned long)i;
    }
    printf("%lu\n", sum);
    return 0;
}
