/* Files and directories through the translated system calls, and the heap. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv) {
    CHECK(argc == 2);
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/fileio-dir", argv[1]);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/data.bin", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static char block[100000];
    for (int i = 0; i < (int)sizeof block; i++) block[i] = (char)(i * 13);
    CHECK(write(fd, block, sizeof block) == sizeof block);
    CHECK(lseek(fd, 4096, SEEK_SET) == 4096);
    char back[10];
    CHECK(read(fd, back, 10) == 10 && memcmp(back, block + 4096, 10) == 0);
    CHECK(pread(fd, back, 10, 99990) == 10 && memcmp(back, block + 99990, 10) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == sizeof block && S_ISREG(st.st_mode));
    CHECK(close(fd) == 0);
    CHECK(stat(path, &st) == 0 && st.st_size == sizeof block);
    CHECK(open("/nonexistent/file", O_RDONLY) == -1);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL && fgetc(f) == 0 && fgetc(f) == 13);
    fclose(f);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) found += strcmp(e->d_name, "data.bin") == 0;
    closedir(d);
    CHECK(found == 1);
    /* a private file mapping longer than the file: its bytes, then zeros */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    const char *mapped = mmap(NULL, 102400, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK(memcmp(mapped, block, sizeof block) == 0 && mapped[102399] == 0);
    CHECK(munmap((void *)mapped, 102400) == 0 && close(fd) == 0);
    char renamed[700];
    snprintf(renamed, sizeof renamed, "%s/renamed.bin", dir);
    CHECK(rename(path, renamed) == 0 && access(renamed, R_OK) == 0 && access(path, F_OK) == -1);
    CHECK(unlink(renamed) == 0 && rmdir(dir) == 0);
    /* the heap: many allocations, freed and reused */
    for (int round = 0; round < 3; round++) {
        char *big = malloc(8 << 20);
        CHECK(big != NULL);
        memset(big, round, 8 << 20);
        CHECK(big[(8 << 20) - 1] == round);
        free(big);
    }
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("ok\n");
    return 0;
}
