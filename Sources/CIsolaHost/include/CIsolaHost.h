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

/* The process VM: the host kernel's system calls by number (a result or minus an errno). */
long isola_syscall6(long number, long a, long b, long c, long d, long e, long f);
/* fork(2) through glibc, so its at-fork handlers keep malloc usable in the child. */
long isola_fork(void);
long isola_execve(const char *path, char *const arguments[], char *const environment[]);

/* Host signals meant for the program. A caught signal sets a bit in the receiving
   thread's pending set and posts a request bit on that thread's hart (registered
   with isola_signal_register_thread), which stops at the next instruction boundary. */
void isola_signal_register_thread(void *request_word, uint32_t request_bit);
uint64_t isola_signal_take_pending(void);
int isola_signal_catch(int signal);
int isola_signal_set_default(int signal);
int isola_signal_set_ignored(int signal);
int isola_signal_is_ignored(int signal);
/* Sets the calling thread's host signal mask (bit n-1 for signal n); answers the old one. */
uint64_t isola_signal_exchange_mask(uint64_t mask);
/* Blocks every signal on the calling thread, so the host sends the program's to its other threads. */
void isola_signal_block_all(void);
/* Waits until a caught signal arrives on this thread (none lost between check and wait). */
void isola_signal_suspend(void);

#endif
