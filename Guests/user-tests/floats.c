/* Floating point through libc: printf and strtod of doubles and floats, libm,
 * rounding modes, and the exact bits of a few results. */
#include <fenv.h>
#include <math.h>
#include <string.h>
#include "check.h"

static int same(const char *format, double value, const char *expected) {
    char text[128];
    snprintf(text, sizeof text, format, value);
    if (strcmp(text, expected) != 0) { printf("got %s, expected %s\n", text, expected); return 0; }
    return 1;
}

int main(void) {
    volatile double third = 1.0 / 3.0, big = 1e300, tiny = 5e-324;
    CHECK(same("%.17g", third, "0.33333333333333331"));
    CHECK(same("%.10f", M_PI, "3.1415926536"));
    CHECK(same("%e", big * 10, "1.000000e+301"));
    CHECK(same("%g", tiny, "4.94066e-324"));
    CHECK(same("%.3f", sqrt(2.0), "1.414"));
    CHECK(same("%.15g", exp(1.0), "2.71828182845905"));
    CHECK(same("%.15g", sin(1.0) * sin(1.0) + cos(1.0) * cos(1.0), "1"));
    CHECK(same("%a", 0.1, "0x1.999999999999ap-4"));
    CHECK(same("%f", big * big, "inf"));
    CHECK(same("%.2f", (float)2.675, "2.67"));
    CHECK(strtod("2.5e-3", NULL) == 0.0025);
    CHECK(isnan(sqrt(-1.0)));
    volatile float f = 16777217.0f;
    CHECK(f == 16777216.0f);
    CHECK(fesetround(FE_UPWARD) == 0);
    volatile double one = 1.0, three = 3.0;
    volatile double up = one / three;
    CHECK(fesetround(FE_TONEAREST) == 0);
    CHECK(up > third);
    CHECK(lrint(2.5) == 2 && lrint(3.5) == 4);
    printf("ok\n");
    return 0;
}
