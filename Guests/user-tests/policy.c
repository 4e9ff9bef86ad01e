/* Run under a policy that denies openat under DIR/secret with EACCES: opening a
 * file there fails with EACCES, opening DIR/public/file and DIR/secretary works. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv) {
    CHECK(argc == 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/public/file", argv[1]);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    snprintf(path, sizeof path, "%s/secretary", argv[1]);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    snprintf(path, sizeof path, "%s/secret/file", argv[1]);
    CHECK(open(path, O_RDONLY) == -1 && errno == EACCES);
    CHECK(chdir(argv[1]) == 0);
    CHECK(open("public/../secret/file", O_RDONLY) == -1 && errno == EACCES);
    printf("ok\n");
    return 0;
}
