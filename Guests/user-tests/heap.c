/* The heap as glibc's malloc uses it: brk grows, shrinks and grows again while
 * mmap takes memory in between. Pages given back by a shrinking brk must not stay
 * reachable through the heap's old addresses (Debian's python3 aborted in malloc
 * when they did: its top chunk was written into pages a later mmap had taken). */
#include "check.h"
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
    const long page = sysconf(_SC_PAGESIZE);
    char *base = sbrk(0);
    CHECK(((unsigned long)base & (page - 1)) == 0);  /* Linux starts the break on a page */
    CHECK(sbrk(16 * page) == base);
    memset(base, 'A', 16 * page);
    CHECK(sbrk(-8 * page) == base + 16 * page);       /* give the top half back */
    CHECK(sbrk(0) == base + 8 * page);
    char *m = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    memset(m, 'B', 64 * page);                        /* may take the pages just given back */
    CHECK(sbrk(8 * page) == base + 8 * page);         /* the heap grows again */
    for (long i = 8 * page; i < 16 * page; i++) CHECK(base[i] == 0);
    memset(base + 8 * page, 'C', 8 * page);
    for (long i = 0; i < 8 * page; i++) CHECK(base[i] == 'A');
    for (long i = 0; i < 64 * page; i++) CHECK(m[i] == 'B');
    for (long i = 8 * page; i < 16 * page; i++) CHECK(base[i] == 'C');
    /* A whole malloc workout on top, large and small, freed in a shuffled order. */
    enum { N = 4000 };
    static char *blocks[N];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            size_t size = (size_t)((i * 7919) % 3000) + (i % 97 == 0 ? 300000 : 1);
            blocks[i] = malloc(size);
            CHECK(blocks[i] != NULL);
            memset(blocks[i], i & 0xFF, size < 64 ? size : 64);
        }
        for (int i = 0; i < N; i++) {
            int j = (i * 2654435761u) % N;
            if (blocks[j]) { CHECK((unsigned char)blocks[j][0] == (j & 0xFF)); free(blocks[j]); blocks[j] = NULL; }
        }
        for (int i = 0; i < N; i++) free(blocks[i]);
    }
    puts("ok");
    return 0;
}
