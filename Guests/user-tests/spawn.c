/* vfork with its real semantics (the parent waits for the child's exec or exit and
 * sees what the child wrote), posix_spawn reporting an exec failure to its caller,
 * robust mutexes released when their owner dies, and prctl as programs use it. */
#define _GNU_SOURCE
#include "check.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static volatile int written_by_child;
static pthread_mutex_t robust;

static void *lock_and_die(void *argument) {
    (void)argument;
    CHECK(pthread_mutex_lock(&robust) == 0);
    return NULL;  /* ends holding the mutex */
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "child") == 0) return 5;

    /* vfork: the child runs first, in the parent's memory as far as the parent can tell. */
    written_by_child = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        written_by_child = 1234;
        _exit(3);
    }
    CHECK(pid > 0);
    CHECK(written_by_child == 1234);
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3);

    /* posix_spawn: an exec failure is the caller's error, a success the child's status. */
    char *missing[] = {"/nonexistent/program", NULL};
    CHECK(posix_spawn(&pid, missing[0], NULL, NULL, missing, environ) == ENOENT);
    char *again[] = {argv[0], "child", NULL};
    CHECK(posix_spawn(&pid, argv[0], NULL, NULL, again, environ) == 0);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    CHECK(posix_spawnp(&pid, "isola-no-such-program", &actions, NULL, missing, environ) == ENOENT);
    posix_spawn_file_actions_destroy(&actions);

    /* A robust mutex whose owner ended is EOWNERDEAD for the next locker, not a hang. */
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    CHECK(pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST) == 0);
    CHECK(pthread_mutex_init(&robust, &attributes) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, lock_and_die, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    CHECK(pthread_mutex_timedlock(&robust, &deadline) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&robust) == 0);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    CHECK(pthread_mutex_lock(&robust) == 0 && pthread_mutex_unlock(&robust) == 0);
    void *head = NULL;
    size_t length = 0;
    CHECK(syscall(SYS_get_robust_list, 0, &head, &length) == 0 && head != NULL && length == 24);

    /* prctl: names, integer options, the tid address and the auxiliary vector. */
    char name[16] = {0};
    CHECK(prctl(PR_SET_NAME, "spawn-test") == 0 && prctl(PR_GET_NAME, name) == 0 && strcmp(name, "spawn-test") == 0);
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    CHECK(prctl(PR_SET_DUMPABLE, 1) == 0 && prctl(PR_GET_DUMPABLE) == 1);
    int *tid_address = (int *)1;
    CHECK(prctl(PR_GET_TID_ADDRESS, &tid_address) == 0 && tid_address != (int *)1);
    unsigned long vector[64];
    long size = prctl(0x41555856 /* PR_GET_AUXV */, vector, sizeof vector, 0, 0);
    CHECK(size > 0 && size % 16 == 0 && size <= (long)sizeof vector);
    int found = 0;
    for (long i = 0; i < size / 8; i += 2)
        if (vector[i] == AT_PAGESZ) found = vector[i + 1] == 4096;
        else if (vector[i] == AT_ENTRY) CHECK(vector[i + 1] == getauxval(AT_ENTRY));
    CHECK(found);
    CHECK(prctl(PR_SET_SECCOMP, 2, 0) == -1 && errno == EINVAL);
    printf("ok\n");
    return 0;
}
