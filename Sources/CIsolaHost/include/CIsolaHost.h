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

/// Opens /dev/net/tun and attaches to (or creates) the TAP interface `name`
/// without packet information headers; returns the descriptor or -errno.
int isola_tap_open(const char *name);

/// Waits up to `milliseconds` for `fd` to be readable: 1 readable, 0 timeout, -1 error.
int isola_wait_readable(int fd, int milliseconds);

/// getrandom(2), which Swift's Glibc module does not export.
static inline ssize_t isola_getrandom(void *buffer, size_t length) {
#if defined(__linux__)
    return getrandom(buffer, length, 0);
#else
    return -1;
#endif
}

/* The process VM's calls that Swift cannot reach directly (GNU extensions, variadic). */
int isola_dup3(int fd, int target, int flags);
int isola_pipe2(int fds[2], int flags);
long isola_fcntl(int fd, int command, long argument);
long isola_getdents64(int fd, void *buffer, size_t count);

#endif
