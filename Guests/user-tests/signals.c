#define _GNU_SOURCE
/* Signal handlers with riscv64 signal frames: SIGSEGV recovered with siglongjmp
 * (twice, so the mask is restored), si_addr and the saved pc, SIGILL, SIGFPE and
 * SIGINT by raise and kill, a blocked signal left pending, SIGALRM ending pause.
 * With "wait": waits for a SIGINT sent from outside. */
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf recover;
static volatile void *fault_address;
static volatile unsigned long saved_pc;
static volatile int caught[65];

static void on_fault(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    caught[signal]++;
    fault_address = info->si_addr;
    saved_pc = uc->uc_mcontext.__gregs[REG_PC];
    siglongjmp(recover, signal);
}

static void on_signal(int signal) { caught[signal]++; }

int main(int argc, char **argv) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);  /* whatever the parent blocked */
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        /* For a SIGINT from outside: the host's signal reaches the program's handler. */
        signal(SIGINT, on_signal);
        printf("ready\n");
        fflush(stdout);
        while (!caught[SIGINT]) pause();
        printf("interrupted\n");
        return 0;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &action, NULL) == 0);
    CHECK(sigaction(SIGILL, &action, NULL) == 0);
    for (int round = 0; round < 2; round++) {
        int got = sigsetjmp(recover, 1);
        if (got == 0) {
            *(volatile int *)0xdead000 = 1;
            CHECK(0);
        }
        CHECK(got == SIGSEGV);
        CHECK(fault_address == (void *)0xdead000);
        CHECK(saved_pc != 0);
    }
    CHECK(caught[SIGSEGV] == 2);
    if (sigsetjmp(recover, 1) == 0) {
        __asm__ volatile(".4byte 0");  /* an illegal instruction */
        CHECK(0);
    }
    CHECK(caught[SIGILL] == 1);
    CHECK(fault_address == (void *)saved_pc);

    signal(SIGFPE, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_signal);
    CHECK(raise(SIGFPE) == 0 && caught[SIGFPE] == 1);
    CHECK(kill(getpid(), SIGINT) == 0 && caught[SIGINT] == 1);

    sigset_t block, old, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
    CHECK(raise(SIGUSR1) == 0 && caught[SIGUSR1] == 0);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    CHECK(caught[SIGUSR1] == 1);

    signal(SIGALRM, on_signal);
    alarm(1);
    pause();
    CHECK(caught[SIGALRM] == 1);

    signal(SIGINT, SIG_IGN);
    CHECK(raise(SIGINT) == 0 && caught[SIGINT] == 1);
    /* A blocked signal whose action is the default waits for sigtimedwait. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    siginfo_t info;
    struct timespec brief = {0, 200 * 1000 * 1000};
    CHECK(sigtimedwait(&usr1, &info, &brief) == SIGUSR1 && info.si_signo == SIGUSR1);
    CHECK(sigtimedwait(&usr1, &info, &brief) == -1 && errno == EAGAIN);
    CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    /* signalfd: a blocked signal is read as a record, and the descriptor polls readable. */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0);
    int sfd = signalfd(-1, &usr2, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(sfd >= 0);
    struct signalfd_siginfo record;
    CHECK(read(sfd, &record, sizeof record) == -1 && errno == EAGAIN);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    struct pollfd readable = {sfd, POLLIN, 0};
    CHECK(poll(&readable, 1, 5000) == 1 && (readable.revents & POLLIN));
    CHECK(read(sfd, &record, sizeof record) == sizeof record && record.ssi_signo == SIGUSR2);
    CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR2));
    close(sfd);
    CHECK(sigprocmask(SIG_UNBLOCK, &usr2, NULL) == 0);
    /* ppoll's mask is the thread's for the wait: a pending signal it unblocks ends it at once. */
    signal(SIGUSR1, on_signal);
    int before_count = caught[SIGUSR1];
    CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    sigset_t open_mask;
    sigemptyset(&open_mask);
    struct timespec long_wait = {5, 0}, before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK(ppoll(NULL, 0, &long_wait, &open_mask) == -1 && errno == EINTR && caught[SIGUSR1] == before_count + 1);
    clock_gettime(CLOCK_MONOTONIC, &after);
    CHECK(after.tv_sec - before.tv_sec < 3);
    sigset_t now;
    CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && sigismember(&now, SIGUSR1));  /* the old mask is back */
    CHECK(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    printf("ok\n");
    return 0;
}
