#ifndef CISOLA_HOST_H
#define CISOLA_HOST_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include <sys/types.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

/// Nanoseconds of CLOCK_MONOTONIC; static inline so the guest clock read costs a vDSO call, not a Swift thunk.
static inline uint64_t isola_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// Deallocates a byte range of a file (it reads as zeros afterwards): fallocate(2)
/// with PUNCH_HOLE | KEEP_SIZE, which Swift's Glibc module does not export.
int isola_punch_hole(int fd, int64_t offset, int64_t length);

/// getrandom(2), which Swift's Glibc module does not export.
static inline ssize_t isola_getrandom(void *buffer, size_t length) {
#if defined(__linux__)
    return getrandom(buffer, length, 0);
#else
    return -1;
#endif
}

#endif
