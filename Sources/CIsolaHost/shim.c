#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#if defined(__linux__)
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#endif
#include <termios.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#if defined(__linux__)
#include <linux/if.h>
#include <linux/if_tun.h>
#endif
#include <sched.h>
#include <sys/prctl.h>
#include "CIsolaHost.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif
int isola_release_free_heap(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

int isola_tap_open(const char *name) {
#if defined(__linux__)
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
#else
    (void)name;
    return -ENOSYS;
#endif
}

int isola_wait_readable(int fd, int milliseconds) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, milliseconds);
    if (r < 0) return errno == EINTR ? 0 : -1;
    return r > 0 ? 1 : 0;
}

void *isola_mremap(void *old_address, size_t old_size, size_t new_size, void *fixed_address) {
#if defined(__linux__)
    if (fixed_address == NULL) return mremap(old_address, old_size, new_size, MREMAP_MAYMOVE);
    return mremap(old_address, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, fixed_address);
#else
    (void)old_address; (void)old_size; (void)new_size; (void)fixed_address;
    errno = ENOSYS;
    return MAP_FAILED;
#endif
}

int isola_punch_hole(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
#else
    (void)fd; (void)offset; (void)length;
    return -1;
#endif
}

#if defined(__linux__)
#include <sys/syscall.h>
#endif

long isola_syscall6(long number, long a, long b, long c, long d, long e, long f) {
#if defined(__linux__)
    long r = syscall(number, a, b, c, d, e, f);
    return r < 0 ? -errno : r;
#else
    return -ENOSYS;
#endif
}

long isola_fork(void) {
    pid_t pid = fork();
    return pid < 0 ? -errno : pid;
}

long isola_execve(const char *path, char *const arguments[], char *const environment[]) {
    execve(path, arguments, environment);
    return -errno;
}

static __thread uint64_t pending_signals;
static __thread uint32_t *request_word;
static __thread uint32_t request_bit;

static void on_signal(int signal) {
    __atomic_fetch_or(&pending_signals, 1ull << (signal - 1), __ATOMIC_SEQ_CST);
    uint32_t *word = request_word;
    if (word) __atomic_fetch_or(word, request_bit, __ATOMIC_SEQ_CST);
}

void isola_signal_register_thread(void *word, uint32_t bit) {
    request_bit = bit;
    request_word = word;
}

uint64_t isola_signal_take_pending(void) {
    return __atomic_exchange_n(&pending_signals, 0, __ATOMIC_SEQ_CST);
}

static int set_handler(int signal, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigfillset(&action.sa_mask);
    /* No SA_RESTART: a blocking call returns EINTR so the program's handler can run;
       the process VM restarts the call itself when the program asked for SA_RESTART. */
    return sigaction(signal, &action, NULL) == 0 ? 0 : -errno;
}

int isola_signal_catch(int signal) { return set_handler(signal, on_signal); }
int isola_signal_set_default(int signal) { return set_handler(signal, SIG_DFL); }
int isola_signal_set_ignored(int signal) { return set_handler(signal, SIG_IGN); }

int isola_signal_is_ignored(int signal) {
    struct sigaction action;
    return sigaction(signal, NULL, &action) == 0 && action.sa_handler == SIG_IGN;
}

uint64_t isola_signal_exchange_mask(uint64_t mask) {
    sigset_t new, old;
    sigemptyset(&new);
    for (int signal = 1; signal <= 64; signal++)
        if (mask & (1ull << (signal - 1))) sigaddset(&new, signal);
    pthread_sigmask(SIG_SETMASK, &new, &old);
    uint64_t bits = 0;
    for (int signal = 1; signal <= 64; signal++)
        if (sigismember(&old, signal) == 1) bits |= 1ull << (signal - 1);
    return bits;
}

int isola_signal_suspend_for(int64_t nanoseconds) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int woken = 1;
    if (__atomic_load_n(&pending_signals, __ATOMIC_SEQ_CST) == 0) {
        struct timespec timeout = { nanoseconds / 1000000000, nanoseconds % 1000000000 };
        woken = ppoll(NULL, 0, nanoseconds < 0 ? NULL : &timeout, &old) != 0;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return woken;
}

void isola_signal_suspend(void) { (void)isola_signal_suspend_for(-1); }

/* The process VM's shared file mappings live in its frame reservation; a page past
   the file's end raises SIGBUS when touched, which must not end Isola. Inside the
   guarded range the page becomes a zero page and the program gets its SIGBUS at
   the next instruction boundary, as Linux gives it one; any other SIGBUS goes to
   the handler there was before, by repeating the fault under it. */
static uintptr_t guarded_start, guarded_end;
static struct sigaction previous_bus_action;

static void on_bus(int signal, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    if (info->si_code > 0 && address >= __atomic_load_n(&guarded_start, __ATOMIC_ACQUIRE) && address < __atomic_load_n(&guarded_end, __ATOMIC_ACQUIRE)) {
        void *page = (void *)(address & ~(uintptr_t)4095);
        mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        on_signal(signal);
        return;
    }
    sigaction(SIGBUS, &previous_bus_action, NULL);
    if (info->si_code <= 0) raise(signal);  /* sent, not a fault: it will not repeat */
}

int isola_guard_shared_pages(void *start, size_t length) {
    __atomic_store_n(&guarded_start, (uintptr_t)start, __ATOMIC_RELEASE);
    __atomic_store_n(&guarded_end, (uintptr_t)start + length, __ATOMIC_RELEASE);
    struct sigaction action, previous;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_bus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGBUS, &action, &previous) != 0) return -errno;
    if (previous.sa_sigaction != on_bus) previous_bus_action = previous;
    return 0;
}

void isola_signal_block_all(void) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
}



/* Each lane folds one 8-byte word per round: multiply, rotate, multiply, so every
   input bit reaches every output bit; the lanes are independent, so the CPU keeps
   four rounds in flight. The constants are odd 64-bit primes. */
#define ISOLA_K1 0x9E3779B185EBCA87ULL
#define ISOLA_K2 0xC2B2AE3D27D4EB4FULL
#define ISOLA_K3 0x165667B19E3779F9ULL

static inline uint64_t isola_rotl(uint64_t v, int n) { return (v << n) | (v >> (64 - n)); }
static inline uint64_t isola_round(uint64_t acc, uint64_t word) {
    return isola_rotl(acc + word * ISOLA_K2, 31) * ISOLA_K1;
}
static inline uint64_t isola_load64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

uint64_t isola_checksum64(const void *data, size_t length, uint64_t seed) {
    const unsigned char *p = data, *end = p + length;
    uint64_t a = seed + ISOLA_K1 + ISOLA_K2, b = seed + ISOLA_K2, c = seed, d = seed - ISOLA_K1;
    while (end - p >= 32) {
        a = isola_round(a, isola_load64(p));
        b = isola_round(b, isola_load64(p + 8));
        c = isola_round(c, isola_load64(p + 16));
        d = isola_round(d, isola_load64(p + 24));
        p += 32;
    }
    uint64_t h = isola_rotl(a, 1) + isola_rotl(b, 7) + isola_rotl(c, 12) + isola_rotl(d, 18);
    h = (h ^ isola_round(0, a)) * ISOLA_K1 + ISOLA_K3;
    h = (h ^ isola_round(0, b)) * ISOLA_K1 + ISOLA_K3;
    h = (h ^ isola_round(0, c)) * ISOLA_K1 + ISOLA_K3;
    h = (h ^ isola_round(0, d)) * ISOLA_K1 + ISOLA_K3;
    h += (uint64_t)length;
    while (end - p >= 8) { h = isola_rotl(h ^ isola_round(0, isola_load64(p)), 27) * ISOLA_K1 + ISOLA_K3; p += 8; }
    while (p < end) { h = isola_rotl(h ^ (*p * ISOLA_K3), 11) * ISOLA_K1; p++; }
    h ^= h >> 33; h *= ISOLA_K2; h ^= h >> 29; h *= ISOLA_K3; h ^= h >> 32;
    return h;
}

int isola_is_zero(const void *data, size_t length) {
    const unsigned char *p = data;
    for (size_t i = 0; i < length; i += 64) {
        uint64_t any = 0;
        for (int j = 0; j < 64; j += 8) any |= isola_load64(p + i + j);
        if (any) return 0;
    }
    return 1;
}

int isola_set_affinity(int tid, const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return -EINVAL;
        CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : -errno;
}

int isola_get_affinity(int tid, int *cpus, int max) {
    cpu_set_t set;
    if (sched_getaffinity(tid, sizeof set, &set) != 0) return -errno;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < max; cpu++)
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    return count;
}

int isola_die_with_parent(void) {
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -errno;
    return getppid() == parent && parent != 1 ? 0 : -1;
}

/* The shared-directory server's calls that Swift's Glibc module leaves out. */
int isola_renameat2(int old_directory, const char *old_name, int new_directory, const char *new_name, unsigned flags) {
#if defined(__linux__)
    return (int)syscall(SYS_renameat2, old_directory, old_name, new_directory, new_name, flags);
#else
    (void)flags;
    return renameat(old_directory, old_name, new_directory, new_name);
#endif
}

long isola_getdents64(int fd, void *buffer, size_t length) {
#if defined(__linux__)
    return syscall(SYS_getdents64, fd, buffer, length);
#else
    (void)fd; (void)buffer; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int isola_fallocate(int fd, int mode, int64_t offset, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, mode, offset, length);
#else
    (void)fd; (void)mode; (void)offset; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

/* The container runtime. */
int isola_open_pseudoterminal(int *master, int *slave) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -errno;
    char name[128];
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof name) != 0) {
        int e = errno;
        close(m);
        return -e;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int e = errno;
        close(m);
        return -e;
    }
    struct termios t;
    if (tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
    }
    *master = m;
    *slave = s;
    return 0;
}

int isola_send_descriptor(int socket_fd, int fd) {
    char data = 0;
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
    struct cmsghdr *c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(socket_fd, &message, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int isola_receive_descriptor(int socket_fd) {
    char data;
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
    if (recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC) < 1) return -errno;
    struct cmsghdr *c = CMSG_FIRSTHDR(&message);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -EBADMSG;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int isola_set_controlling_terminal(int fd) {
    return ioctl(fd, TIOCSCTTY, 0) == 0 ? 0 : -errno;
}

int isola_window_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -errno;
    *rows = ws.ws_row;
    *columns = ws.ws_col;
    return 0;
}

int isola_set_window_size(int fd, unsigned short rows, unsigned short columns) {
    struct winsize ws = {.ws_row = rows, .ws_col = columns};
    return ioctl(fd, TIOCSWINSZ, &ws) == 0 ? 0 : -errno;
}

extern char **environ;
int isola_spawn_session(const char *path, char *const arguments[], const int *descriptors, int count) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    /* dup2 each source to its index; dup2 onto itself clears FD_CLOEXEC on glibc >= 2.29 */
    for (int i = 0; i < count; i++) posix_spawn_file_actions_adddup2(&actions, descriptors[i], i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* Nothing else crosses: a descriptor the caller's caller left open (Foundation's
       Process watches a socket for its child's end) must not be held by a long-lived child. */
    posix_spawn_file_actions_addclosefrom_np(&actions, count);
#endif
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, path, &actions, &attributes, arguments, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc == 0 ? (int)pid : -rc;
}

#if defined(__linux__)
struct netns_job {
    const char *path;
    struct isola_namespace_interface *info;
    int result;
};

/* Moves the calling thread into the network namespace at `path`; answers an IPv4
   socket there for interface ioctls, or -errno. */
static int enter_namespace(const char *path) {
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return -errno;
    if (setns(ns, CLONE_NEWNET) != 0) { int e = errno; close(ns); return -e; }
    close(ns);
    int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return control < 0 ? -errno : control;
}

/* Runs `body` in a thread of its own (setns changes only the calling thread's
   namespace, and this one's must stay the host's) and answers its result. */
static int in_namespace_thread(void *(*body)(void *), const char *path, struct isola_namespace_interface *info) {
    struct netns_job job = {.path = path, .info = info, .result = -EINVAL};
    pthread_t thread;
    if (pthread_create(&thread, NULL, body, &job) != 0) return -EAGAIN;
    pthread_join(thread, NULL);
    return job.result;
}

/* In a thread of its own (setns changes only the calling thread's namespace): the
   first interface that is not loopback, its IPv4 address, prefix and MAC, the
   default route's gateway, and a packet socket bound to it; then the address is
   taken off the interface, which the guest now answers for. */
static void *netns_attach_thread(void *argument) {
    struct netns_job *job = argument;
    struct isola_namespace_interface *info = job->info;
    int control = enter_namespace(job->path);
    if (control < 0) { job->result = control; return NULL; }
    struct if_nameindex *names = if_nameindex();
    job->result = -ENODEV;
    for (struct if_nameindex *n = names; n && n->if_index; n++) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", n->if_name);
        if (ioctl(control, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags & IFF_LOOPBACK)) continue;
        snprintf(info->name, sizeof info->name, "%s", n->if_name);
        info->index = (int)n->if_index;
        if (ioctl(control, SIOCGIFHWADDR, &ifr) == 0) memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
        info->address = 0;
        info->prefix = 0;
        if (ioctl(control, SIOCGIFADDR, &ifr) == 0) info->address = ntohl(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr);
        if (ioctl(control, SIOCGIFNETMASK, &ifr) == 0) info->prefix = (uint32_t)__builtin_popcount(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr);
        if (ioctl(control, SIOCGIFMTU, &ifr) == 0) info->mtu = (uint32_t)ifr.ifr_mtu;
        job->result = 0;
        break;
    }
    if (names) if_freenameindex(names);
    if (job->result != 0) { close(control); return NULL; }
    info->gateway = 0;
    FILE *routes = fopen("/proc/thread-self/net/route", "r");
    if (routes) {
        char line[256], device[64];
        unsigned destination, gateway, flags;
        while (fgets(line, sizeof line, routes)) {
            if (sscanf(line, "%63s %x %x %x", device, &destination, &gateway, &flags) == 4 && destination == 0 && (flags & 2) &&
                strcmp(device, info->name) == 0) {
                info->gateway = ntohl(gateway);
            }
        }
        fclose(routes);
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) { job->result = -errno; close(control); return NULL; }
    struct sockaddr_ll link;
    memset(&link, 0, sizeof link);
    link.sll_family = AF_PACKET;
    link.sll_protocol = htons(ETH_P_ALL);
    link.sll_ifindex = info->index;
    if (bind(fd, (struct sockaddr *)&link, sizeof link) != 0) { job->result = -errno; close(fd); close(control); return NULL; }
    if (info->address) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", info->name);
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = 0;
        ioctl(control, SIOCSIFADDR, &ifr); /* 0.0.0.0: the address (and its routes) go */
    }
    close(control);
    job->result = fd;
    return NULL;
}

/* The reverse, when the container is gone: the address and default route go back. */
static void *netns_give_back_thread(void *argument) {
    struct netns_job *job = argument;
    struct isola_namespace_interface *info = job->info;
    int control = enter_namespace(job->path);
    if (control < 0) { job->result = control; return NULL; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", info->name);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(info->address);
    job->result = ioctl(control, SIOCSIFADDR, &ifr) == 0 ? 0 : -errno;
    sin->sin_addr.s_addr = info->prefix ? htonl(~0u << (32 - info->prefix)) : 0;
    ioctl(control, SIOCSIFNETMASK, &ifr);
    if (info->gateway) {
        struct rtentry route;
        memset(&route, 0, sizeof route);
        ((struct sockaddr_in *)&route.rt_gateway)->sin_family = AF_INET;
        ((struct sockaddr_in *)&route.rt_gateway)->sin_addr.s_addr = htonl(info->gateway);
        ((struct sockaddr_in *)&route.rt_dst)->sin_family = AF_INET;
        ((struct sockaddr_in *)&route.rt_genmask)->sin_family = AF_INET;
        route.rt_flags = RTF_UP | RTF_GATEWAY;
        route.rt_dev = info->name;
        ioctl(control, SIOCADDRT, &route);
    }
    close(control);
    return NULL;
}

int isola_namespace_give_back(const char *path, struct isola_namespace_interface *info) {
    return in_namespace_thread(netns_give_back_thread, path, info);
}

int isola_namespace_attach(const char *path, struct isola_namespace_interface *info) {
    return in_namespace_thread(netns_attach_thread, path, info);
}

long isola_packet_receive(int fd, void *buffer, size_t length, int milliseconds) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, milliseconds);
    if (ready <= 0) return ready < 0 && errno != EINTR ? -errno : 0;
    struct sockaddr_ll from;
    socklen_t size = sizeof from;
    ssize_t n = recvfrom(fd, buffer, length, MSG_TRUNC, (struct sockaddr *)&from, &size);
    if (n < 0) return errno == EINTR || errno == EAGAIN ? 0 : -errno;
    /* What the namespace itself sends is not for the guest; a truncated frame is dropped. */
    if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > length) return 0;
    return n;
}
#else
int isola_namespace_give_back(const char *path, struct isola_namespace_interface *info) { (void)path; (void)info; return -ENOSYS; }
int isola_namespace_attach(const char *path, struct isola_namespace_interface *info) { (void)path; (void)info; return -ENOSYS; }
long isola_packet_receive(int fd, void *buffer, size_t length, int milliseconds) { (void)fd; (void)buffer; (void)length; (void)milliseconds; return -ENOSYS; }
#endif
