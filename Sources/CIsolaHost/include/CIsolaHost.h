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

/// mremap(2) with MREMAP_MAYMOVE, and MREMAP_FIXED at `fixed_address` unless it is
/// NULL (mremap is variadic in C, out of Swift's reach). With `old_size` 0 on a shared
/// mapping it maps the same pages a second time. MAP_FAILED and errno on failure.
void *isola_mremap(void *old_address, size_t old_size, size_t new_size, void *fixed_address);

/// Gives the C heap's free memory back to the host (glibc's malloc_trim); 0 elsewhere.
int isola_release_free_heap(void);

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

/* Snapshots: a 64-bit checksum of a byte range, four independent lanes so it runs
   near memory speed (a restore verifies every saved guest page before it runs). */
uint64_t isola_checksum64(const void *data, size_t length, uint64_t seed);
/* Whether `length` bytes (a multiple of 64) are all zero: a snapshot skips zero pages. */
int isola_is_zero(const void *data, size_t length);

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
/* Makes a SIGBUS inside [start, start + length) (a shared file page past the file's
   end) a zero page and a SIGBUS for the program, instead of Isola's crash. */
int isola_guard_shared_pages(void *start, size_t length);
/* Blocks every signal on the calling thread, so the host sends the program's to its other threads. */
void isola_signal_block_all(void);
/* Waits until a caught signal arrives on this thread (none lost between check and wait). */
void isola_signal_suspend(void);
/* The same, for at most `nanoseconds` (forever when negative): 1 if a signal came, 0 if the time ran out. */
int isola_signal_suspend_for(int64_t nanoseconds);

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

/* One operation (see `op` above) in the host's current rounding mode. */
#define ISOLA_FP_APPLY(T, SQRT, FMA)                                                   \
static inline __attribute__((always_inline)) T isola_fp_apply_##T(int op, T x, T y, T z) { \
    switch (op) {                                                                      \
    case 0: return x + y;                                                              \
    case 1: return x - y;                                                              \
    case 2: return x * y;                                                              \
    case 3: return x / y;                                                              \
    case 4: return SQRT(x);                                                            \
    case 5: return FMA(x, y, z);                                                       \
    case 6: return FMA(x, y, -z);                                                      \
    case 7: return FMA(-x, y, z);                                                      \
    default: return FMA(-x, y, -z);                                                    \
    }                                                                                  \
}
ISOLA_FP_APPLY(double, __builtin_sqrt, __builtin_fma)
ISOLA_FP_APPLY(float, __builtin_sqrtf, __builtin_fmaf)

/* isola_fp_double and isola_fp_single: the same steps on each format's bits, inlined
   whole into the hart (a call costs about as much as the arithmetic). */
#define ISOLA_FP_FUNCTION(NAME, T, BITS, EXPONENT_SHIFT, EXPONENT_MAX, FRACTION)          \
static inline __attribute__((always_inline)) int NAME(int op, BITS a, BITS b, BITS c, unsigned rm, unsigned accrued, BITS *out) { \
    int rc = isola_fp_rounding(rm);                                                    \
    if (rc < 0) return -1;                                                             \
    T x, y, z;                                                                         \
    __builtin_memcpy(&x, &a, sizeof x); __builtin_memcpy(&y, &b, sizeof y); __builtin_memcpy(&z, &c, sizeof z); \
    if (rc == 0 && (accrued & 1)) {                                                    \
        /* The host rounds to nearest outside these functions. */                      \
        T q = isola_fp_apply_##T(op, x, y, z);                                         \
        BITS qbits;                                                                    \
        __builtin_memcpy(&qbits, &q, sizeof qbits);                                    \
        BITS qexponent = (qbits >> EXPONENT_SHIFT) & EXPONENT_MAX;                     \
        if (qexponent != 0 && qexponent != EXPONENT_MAX) {                             \
            *out = qbits;                                                              \
            return 0;                                                                  \
        }                                                                              \
    }                                                                                  \
    isola_fp_prepare(rc, accrued);                                                     \
    __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));  /* the operation happens after the mode is set */ \
    T r = isola_fp_apply_##T(op, x, y, z);                                             \
    __asm__ volatile("" : "+x"(r));                                                    \
    unsigned status = _mm_getcsr();                                                    \
    if (rc != 0) _mm_setcsr(0x1F80u | (status & 0x3Fu));  /* host code rounds to nearest */ \
    BITS bits;                                                                         \
    __builtin_memcpy(&bits, &r, sizeof bits);                                          \
    BITS exponent = (bits >> EXPONENT_SHIFT) & EXPONENT_MAX;                           \
    if (exponent == EXPONENT_MAX && (bits & FRACTION)) return -1;        /* NaN */     \
    if (exponent == 0 && ((BITS)(bits << 1) != 0 || (status & 32))) return -1;  /* tiny */ \
    if (status & 16) return -1;  /* underflow by x86's before-rounding rule: RISC-V's may differ */ \
    *out = bits;                                                                       \
    return isola_fp_flags(status);                                                     \
}
ISOLA_FP_FUNCTION(isola_fp_double, double, uint64_t, 52, 0x7FF, 0xFFFFFFFFFFFFFull)
ISOLA_FP_FUNCTION(isola_fp_single, float, uint32_t, 23, 0xFF, 0x7FFFFF)
#else
static inline int isola_fp_double(int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, unsigned accrued, uint64_t *out) { return -1; }
static inline int isola_fp_single(int op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, unsigned accrued, uint32_t *out) { return -1; }
#endif

/* Whether the host CPU (and its OS) runs FMA3 instructions: the translator's fused multiply-adds. */
static inline int isola_host_has_fma(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx");
#else
    return 0;
#endif
}

/* The hypervisor's workers. */
/* sched_setaffinity(2) of thread or process `tid` (0: the caller) to the listed host CPUs; 0 or -errno. */
int isola_set_affinity(int tid, const int *cpus, int count);
/* The CPUs `tid` (0: the caller) may run on, written to `cpus` (at most `max`); their count or -errno. */
int isola_get_affinity(int tid, int *cpus, int max);
/* Makes the kernel send SIGKILL to the caller when its parent exits (PR_SET_PDEATHSIG);
   answers -1 if the parent is already gone. */
int isola_die_with_parent(void);
/* Nanoseconds of CPU time used by every thread of this process (CLOCK_PROCESS_CPUTIME_ID). */
static inline uint64_t isola_process_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The shared-directory server: renameat2(2), getdents64(2) and fallocate(2), which
   Swift's Glibc module does not export (results and errno as the C library sets them). */
int isola_renameat2(int old_directory, const char *old_name, int new_directory, const char *new_name, unsigned flags);
long isola_getdents64(int fd, void *buffer, size_t length);
int isola_fallocate(int fd, int mode, int64_t offset, int64_t length);

/* The container runtime: a pseudoterminal pair (the slave raw), descriptors passed
   over Unix sockets (SCM_RIGHTS), the controlling terminal and its size, and a child
   in a session of its own whose descriptors 0..count-1 are `descriptors`. Results are
   0 (or a descriptor, a pid) or -errno. */
int isola_open_pseudoterminal(int *master, int *slave);
int isola_send_descriptor(int socket_fd, int fd);
int isola_receive_descriptor(int socket_fd);
int isola_set_controlling_terminal(int fd);
int isola_window_size(int fd, unsigned short *rows, unsigned short *columns);
int isola_set_window_size(int fd, unsigned short rows, unsigned short columns);
int isola_spawn_session(const char *path, char *const arguments[], const int *descriptors, int count);

/* A container's network namespace as CNI left it: its interface (the first that is
   not loopback), the IPv4 address and route the guest takes over, and a packet
   socket bound to the interface (returned, or -errno). */
struct isola_namespace_interface {
    char name[16];
    int index;
    uint8_t mac[6];
    uint32_t address, prefix, gateway, mtu;
};
int isola_namespace_attach(const char *path, struct isola_namespace_interface *info);
/* Puts `info`'s address, prefix and gateway back on its interface in the namespace. */
int isola_namespace_give_back(const char *path, struct isola_namespace_interface *info);
/* One frame from a packet socket within `milliseconds`: its length, 0 for none (or one
   the namespace sent itself), -errno. */
long isola_packet_receive(int fd, void *buffer, size_t length, int milliseconds);

#endif
