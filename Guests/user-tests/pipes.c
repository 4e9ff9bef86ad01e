/* Pipes: a megabyte through a pipe between two processes with its checksum,
 * poll for readiness, dup2 and close-on-exec flags. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

int main(void) {
    int fds[2];
    CHECK(pipe2(fds, O_CLOEXEC) == 0);
    CHECK(fcntl(fds[0], F_GETFD) == FD_CLOEXEC);
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    CHECK(poll(&p, 1, 0) == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN));
    char c;
    CHECK(read(fds[0], &c, 1) == 1 && c == 'x');

    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        static unsigned char block[4096];
        for (int i = 0; i < 256; i++) {
            for (int j = 0; j < 4096; j++) block[j] = (unsigned char)(i * 31 + j);
            if (write(fds[1], block, sizeof block) != sizeof block) _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    unsigned long sum = 0, expected = 0, count = 0;
    unsigned char buffer[1000];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0) {
        for (ssize_t k = 0; k < n; k++) sum = sum * 33 + buffer[k];
        count += n;
    }
    for (int i = 0; i < 256; i++) for (int j = 0; j < 4096; j++) expected = expected * 33 + (unsigned char)(i * 31 + j);
    CHECK(count == 256 * 4096);
    CHECK(sum == expected);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    int copy = dup(1);
    CHECK(copy > 2);
    CHECK(dup2(copy, 20) == 20);
    CHECK(write(20, "", 0) == 0);
    close(copy);
    close(20);
    CHECK(write(20, "", 0) == -1);
    printf("ok\n");
    return 0;
}
