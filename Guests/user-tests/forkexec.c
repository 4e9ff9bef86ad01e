/* fork, execve and wait4: a child runs this program again (found through
 * readlink of /proc/self/exe) and
 * its exit status comes back; a bad path is ENOENT; a pipe carries a child's output;
 * both sides of a fork run code neither has run before. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* Functions that each run first right after a fork, in the parent and the child at once. */
#define STEP(n) static __attribute__((noinline)) unsigned step##n(unsigned x) { \
    for (int k = 0; k < 20; k++) x = (x ^ (x >> 5)) * (2 * n + 3) + k; \
    return x; }
#define ROW(a) STEP(a##0) STEP(a##1) STEP(a##2) STEP(a##3) STEP(a##4) STEP(a##5) STEP(a##6) STEP(a##7)
#define REFS(a) step##a##0, step##a##1, step##a##2, step##a##3, step##a##4, step##a##5, step##a##6, step##a##7,
ROW(1) ROW(2) ROW(3) ROW(4)
static unsigned (*const steps[])(unsigned) = { REFS(1) REFS(2) REFS(3) REFS(4) };

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        CHECK(argc == 3 && strcmp(argv[2], "x y") == 0);
        CHECK(getenv("FORKEXEC") != NULL && strcmp(getenv("FORKEXEC"), "yes") == 0);
        return 7;
    }
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(length > 0 && self[0] == '/');
    self[length] = 0;
    CHECK(strstr(self, "forkexec") != NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(getppid() == parent && getpid() != parent);
        char *args[] = {"forkexec", "child", "x y", NULL};
        char *env[] = {"FORKEXEC=yes", NULL};
        execve(self, args, env);
        _exit(100 + errno);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

    /* execve of a missing program fails in the caller with ENOENT. */
    char *none[] = {"missing", NULL};
    CHECK(execve("/nonexistent/program", none, none) == -1 && errno == ENOENT);

    /* A child's output through a pipe; the parent sees EOF once the child exits. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        printf("from the child %d\n", 42);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    char buffer[64] = {0};
    ssize_t n, total = 0;
    while ((n = read(fds[0], buffer + total, sizeof buffer - 1 - total)) > 0) total += n;
    CHECK(strcmp(buffer, "from the child 42\n") == 0);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A child killed by a signal is reported as such. */
    pid = fork();
    if (pid == 0) { volatile int *wild = (volatile int *)(long)getpid(); *wild = 0; _exit(0); }
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == 11);
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);

    /* Fresh code on both sides of each fork: what one side translates (and links)
     * meanwhile never shows up in the other's code. */
    for (unsigned round = 0; round < sizeof steps / sizeof steps[0]; round++) {
        pid = fork();
        CHECK(pid >= 0);
        unsigned value = steps[round](round);
        if (pid == 0) _exit(value & 0x7F);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == (int)(value & 0x7F));
    }
    printf("ok\n");
    return 0;
}
