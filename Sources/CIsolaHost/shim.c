#define _GNU_SOURCE
#include <fcntl.h>
#include "CIsolaHost.h"

int isola_punch_hole(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
#else
    (void)fd; (void)offset; (void)length;
    return -1;
#endif
}
