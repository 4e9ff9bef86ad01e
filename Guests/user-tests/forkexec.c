/* fork, execve and wait4: a child runs this program again (found through
 * readlink of /proc/self/exe) and
 * its exit status comes back; a bad path is ENOENT; a pipe carries a child's output. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

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
    printf("ok\n");
    return 0;
}
