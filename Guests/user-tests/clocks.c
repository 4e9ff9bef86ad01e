/* Clocks: monotonic time never goes back, a 20 ms sleep takes at least that
 * long, realtime agrees with time() and gettimeofday(), CPU time advances. */
#include <sys/time.h>
#include <time.h>
#include "check.h"

static double seconds(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

int main(void) {
    struct timespec a, b, cpu0, cpu1;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    for (int i = 0; i < 1000; i++) {
        CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
        CHECK(seconds(b) >= seconds(a));
        a = b;
    }
    struct timespec nap = {0, 20 * 1000 * 1000};
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    CHECK(seconds(b) - seconds(a) >= 0.020);
    CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0);
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0);
    time_t now = time(NULL);
    CHECK(now - a.tv_sec <= 1 && tv.tv_sec - a.tv_sec <= 1 && a.tv_sec > 1700000000);
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0) == 0);
    volatile double x = 0;
    for (int i = 0; i < 3000000; i++) x += i * 0.5;
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1) == 0);
    CHECK(seconds(cpu1) > seconds(cpu0));
    struct timespec resolution;
    CHECK(clock_getres(CLOCK_MONOTONIC, &resolution) == 0 && resolution.tv_sec == 0);
    printf("ok\n");
    return 0;
}
