#ifndef CISOLA_HOST_H
#define CISOLA_HOST_H

#include <stdint.h>
#include <time.h>

/// Nanoseconds of CLOCK_MONOTONIC; static inline so the guest clock read costs a vDSO call, not a Swift thunk.
static inline uint64_t isola_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
