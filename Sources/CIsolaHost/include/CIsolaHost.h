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

/* The hart's floating point on the host's SSE unit, for the common case. Each
   function computes one RISC-V F/D operation with rounding mode `rm` (RISC-V's
   encoding) and answers its result and RISC-V fflags, or returns -1 when the
   software path must decide: a NaN result (RISC-V's canonical NaN differs from
   x86's), a subnormal or inexact-zero result (x86 detects tininess before
   rounding, RISC-V after), or round-to-max-magnitude, which SSE lacks.
   op: 0 add, 1 sub, 2 mul, 3 div, 4 sqrt, 5 fmadd, 6 fmsub, 7 fnmsub, 8 fnmadd.
   `accrued` is the hart's fflags. Once NX has accrued (it stays, and almost every
   program's first inexact operation sets it), a normal finite result under
   round-to-nearest can raise nothing new: NV, DZ and OF make NaN or infinite
   results, UF tiny ones, all of which take the flag-reading path. So the usual
   case never touches MXCSR, whose reads cost more than the arithmetic. */
#if defined(__x86_64__) && defined(__SSE2__)
#include <xmmintrin.h>
#include <math.h>

static inline int isola_fp_flags(unsigned mxcsr) {
    return ((mxcsr & 1) ? 0x10 : 0) | ((mxcsr & 4) ? 0x08 : 0) | ((mxcsr & 8) ? 0x04 : 0)
        | ((mxcsr & 16) ? 0x02 : 0) | ((mxcsr & 32) ? 0x01 : 0);
}

/* RISC-V fflags (NV DZ OF UF NX) as MXCSR flags (IE ZE OE UE PE). */
static inline unsigned isola_fp_host_flags(unsigned fflags) {
    return ((fflags & 0x10) ? 1 : 0) | ((fflags & 0x08) ? 4 : 0) | ((fflags & 0x04) ? 8 : 0)
        | ((fflags & 0x02) ? 16 : 0) | ((fflags & 0x01) ? 32 : 0);
}

/* Puts MXCSR in rounding control `rc` with no flag set that the hart has not accrued. */
static inline void isola_fp_prepare(int rc, unsigned accrued) {
    unsigned current = _mm_getcsr(), allowed = isola_fp_host_flags(accrued);
    if ((current & 0x6000u) != ((unsigned)rc << 13) || (current & 0x3Du & ~allowed) != 0)
        _mm_setcsr(0x1F80u | ((unsigned)rc << 13) | allowed);
}

static inline int isola_fp_rounding(unsigned rm) {
    /* RISC-V RNE 0, RTZ 1, RDN 2, RUP 3 -> MXCSR RC nearest 0, down 1, up 2, zero 3 */
    static const int control[4] = {0, 3, 1, 2};
    return rm < 4 ? control[rm] : -1;
}

static inline int isola_fp_double(int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, unsigned accrued, uint64_t *out) {
    int rc = isola_fp_rounding(rm);
    if (rc < 0) return -1;
    double x, y, z, r;
    __builtin_memcpy(&x, &a, 8); __builtin_memcpy(&y, &b, 8); __builtin_memcpy(&z, &c, 8);
    if (rc == 0 && (accrued & 1)) {
        /* The host rounds to nearest outside these functions. */
        double q;
        switch (op) {
        case 0: q = x + y; break;
        case 1: q = x - y; break;
        case 2: q = x * y; break;
        case 3: q = x / y; break;
        case 4: q = __builtin_sqrt(x); break;
        case 5: q = __builtin_fma(x, y, z); break;
        case 6: q = __builtin_fma(x, y, -z); break;
        case 7: q = __builtin_fma(-x, y, z); break;
        default: q = __builtin_fma(-x, y, -z); break;
        }
        uint64_t qbits;
        __builtin_memcpy(&qbits, &q, sizeof qbits);
        uint64_t qexponent = (qbits >> 52) & 0x7FF;
        if (qexponent != 0 && qexponent != 0x7FF) {
            *out = qbits;
            return 0;
        }
    }
    isola_fp_prepare(rc, accrued);
    __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));  /* the operation happens after the mode is set */
    switch (op) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3: r = x / y; break;
    case 4: r = __builtin_sqrt(x); break;
    case 5: r = __builtin_fma(x, y, z); break;
    case 6: r = __builtin_fma(x, y, -z); break;
    case 7: r = __builtin_fma(-x, y, z); break;
    default: r = __builtin_fma(-x, y, -z); break;
    }
    __asm__ volatile("" : "+x"(r));
    unsigned status = _mm_getcsr();
    if (rc != 0) _mm_setcsr(0x1F80u | (status & 0x3Fu));  /* host code rounds to nearest */
    uint64_t bits;
    __builtin_memcpy(&bits, &r, 8);
    uint64_t exponent = (bits >> 52) & 0x7FF;
    if (exponent == 0x7FF && (bits & 0xFFFFFFFFFFFFFull)) return -1;       /* NaN */
    if (exponent == 0 && ((bits << 1) != 0 || (status & 32))) return -1;   /* tiny */
    if (status & 16) return -1;  /* underflow by x86's before-rounding rule: RISC-V's may differ */
    *out = bits;
    return isola_fp_flags(status);
}

static inline int isola_fp_single(int op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, unsigned accrued, uint32_t *out) {
    int rc = isola_fp_rounding(rm);
    if (rc < 0) return -1;
    float x, y, z, r;
    __builtin_memcpy(&x, &a, 4); __builtin_memcpy(&y, &b, 4); __builtin_memcpy(&z, &c, 4);
    if (rc == 0 && (accrued & 1)) {
        /* The host rounds to nearest outside these functions. */
        float q;
        switch (op) {
        case 0: q = x + y; break;
        case 1: q = x - y; break;
        case 2: q = x * y; break;
        case 3: q = x / y; break;
        case 4: q = __builtin_sqrtf(x); break;
        case 5: q = __builtin_fmaf(x, y, z); break;
        case 6: q = __builtin_fmaf(x, y, -z); break;
        case 7: q = __builtin_fmaf(-x, y, z); break;
        default: q = __builtin_fmaf(-x, y, -z); break;
        }
        uint32_t qbits;
        __builtin_memcpy(&qbits, &q, sizeof qbits);
        uint32_t qexponent = (qbits >> 23) & 0xFF;
        if (qexponent != 0 && qexponent != 0xFF) {
            *out = qbits;
            return 0;
        }
    }
    isola_fp_prepare(rc, accrued);
    __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));  /* the operation happens after the mode is set */
    switch (op) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3: r = x / y; break;
    case 4: r = __builtin_sqrtf(x); break;
    case 5: r = __builtin_fmaf(x, y, z); break;
    case 6: r = __builtin_fmaf(x, y, -z); break;
    case 7: r = __builtin_fmaf(-x, y, z); break;
    default: r = __builtin_fmaf(-x, y, -z); break;
    }
    __asm__ volatile("" : "+x"(r));
    unsigned status = _mm_getcsr();
    if (rc != 0) _mm_setcsr(0x1F80u | (status & 0x3Fu));  /* host code rounds to nearest */
    uint32_t bits;
    __builtin_memcpy(&bits, &r, 4);
    uint32_t exponent = (bits >> 23) & 0xFF;
    if (exponent == 0xFF && (bits & 0x7FFFFF)) return -1;
    if (exponent == 0 && ((bits << 1) != 0 || (status & 32))) return -1;
    if (status & 16) return -1;
    *out = bits;
    return isola_fp_flags(status);
}
#else
static inline int isola_fp_double(int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, unsigned accrued, uint64_t *out) { return -1; }
static inline int isola_fp_single(int op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, unsigned accrued, uint32_t *out) { return -1; }
#endif

#endif
