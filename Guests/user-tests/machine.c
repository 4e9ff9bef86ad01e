/* What a program reads about its machine: uname, /proc/cpuinfo, /proc/self/auxv and
 * /proc/self/maps describe the riscv64 guest, not the host. argv[1] is a scratch directory. */
#define _GNU_SOURCE
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

static char text[1 << 16];

static size_t slurp(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, text + total, sizeof text - 1 - total)) > 0) total += n;
    CHECK(n == 0);
    text[total] = 0;
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    close(fd);
    return total;
}

/* The /proc/self/maps line whose range holds `address` (copied into `line`). */
static int line_of(const void *address, char *line, size_t size) {
    uintptr_t a = (uintptr_t)address;
    for (char *p = text; *p; ) {
        char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        unsigned long start, stop;
        if (sscanf(p, "%lx-%lx", &start, &stop) == 2 && a >= start && a < stop) {
            size_t n = end - p < (long)size - 1 ? (size_t)(end - p) : size - 1;
            memcpy(line, p, n);
            line[n] = 0;
            return 1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    struct utsname name;
    CHECK(uname(&name) == 0 && strcmp(name.machine, "riscv64") == 0);

    slurp("/proc/cpuinfo");
    CHECK(strstr(text, "processor\t: 0\n") != NULL);
    CHECK(strstr(text, "isa\t\t: rv64imafdc") != NULL);
    CHECK(strstr(text, "mmu\t\t: sv39\n") != NULL);

    size_t size = slurp("/proc/self/auxv");
    CHECK(size > 0 && size % 16 == 0);
    unsigned long *vector = (unsigned long *)text;
    int seen = 0;
    for (size_t i = 0; i < size / 8; i += 2) {
        if (vector[i] == AT_PAGESZ) { CHECK(vector[i + 1] == 4096); seen++; }
        if (vector[i] == AT_ENTRY) { CHECK(vector[i + 1] == getauxval(AT_ENTRY)); seen++; }
        if (vector[i] == AT_RANDOM) { CHECK(vector[i + 1] == getauxval(AT_RANDOM)); seen++; }
        if (vector[i] == AT_NULL) CHECK(i + 2 == size / 8);
    }
    CHECK(seen == 3);

    char path[512];
    snprintf(path, sizeof path, "%s/mapped", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 3 * 4096) == 0);
    char *file = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096);
    char *anonymous = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *named = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(file != MAP_FAILED && anonymous != MAP_FAILED && named != MAP_FAILED);
    CHECK(prctl(0x53564d41 /* PR_SET_VMA */, 0 /* PR_SET_VMA_ANON_NAME */, named, 4096, "isola-test") == 0);
    char *heap = sbrk(0);
    CHECK(sbrk(4096) != (void *)-1);
    int local = 0;

    slurp("/proc/self/maps");
    char line[600];
    CHECK(line_of((void *)main, line, sizeof line));
    CHECK(strstr(line, " r-xp ") != NULL && strstr(line, "machine") != NULL);
    CHECK(line_of(&local, line, sizeof line) && strstr(line, " rw-p ") && strstr(line, "[stack]"));
    CHECK(line_of(heap, line, sizeof line) && strstr(line, "[heap]"));
    CHECK(line_of(file, line, sizeof line) && strstr(line, " r--s 00001000 ") && strstr(line, path));
    CHECK(line_of(anonymous, line, sizeof line) && strstr(line, " rw-s "));
    CHECK(line_of(named, line, sizeof line) && strstr(line, " rw-p ") && strstr(line, "[anon:isola-test]"));
    /* munmap and mprotect show at once. */
    CHECK(mprotect(named, 4096, PROT_READ) == 0 && munmap(file, 2 * 4096) == 0);
    slurp("/proc/self/maps");
    CHECK(!line_of(file, line, sizeof line));
    CHECK(line_of(named, line, sizeof line) && strstr(line, " r--p ") && strstr(line, "[anon:isola-test]"));
    printf("ok\n");
    return 0;
}
