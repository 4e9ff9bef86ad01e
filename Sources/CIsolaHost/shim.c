#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#if defined(__linux__)
#include <linux/if.h>
#include <linux/if_tun.h>
#endif
#include "CIsolaHost.h"

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

int isola_dup3(int fd, int target, int flags) { return dup3(fd, target, flags); }
int isola_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
long isola_fcntl(int fd, int command, long argument) { return fcntl(fd, command, argument); }
long isola_getdents64(int fd, void *buffer, size_t count) {
#if defined(__linux__)
    return syscall(SYS_getdents64, fd, buffer, count);
#else
    errno = ENOSYS;
    return -1;
#endif
}
