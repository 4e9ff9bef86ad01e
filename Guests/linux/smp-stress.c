/* SMP stress test for the guest: several processes hammer one shared page
 * with atomics (and a lock built from them); the parent checks that no update
 * was lost. Prints "smp-stress: ok" or "smp-stress: FAILED ..." and exits 0/1.
 *   smp-stress [processes] [iterations] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    long atomic_counter;
    int lock;
    long locked_counter;
    long cas_counter;
};

static void lock(int *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) { }
    }
}

static void unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

int main(int argc, char **argv) {
    int processes = argc > 1 ? atoi(argv[1]) : 4;
    long iterations = argc > 2 ? atol(argv[2]) : 100000;
    struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) { perror("mmap"); return 1; }
    for (int p = 0; p < processes; p++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            for (long i = 0; i < iterations; i++) {
                __atomic_fetch_add(&s->atomic_counter, 1, __ATOMIC_SEQ_CST);      /* amoadd */
                lock(&s->lock);                                                   /* amoswap */
                s->locked_counter++;
                unlock(&s->lock);
                long old = __atomic_load_n(&s->cas_counter, __ATOMIC_RELAXED);    /* lr/sc loop */
                while (!__atomic_compare_exchange_n(&s->cas_counter, &old, old + 1, 1,
                                                    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) { }
            }
            _exit(0);
        }
    }
    for (int p = 0; p < processes; p++) wait(NULL);
    long expected = processes * iterations;
    if (s->atomic_counter != expected || s->locked_counter != expected || s->cas_counter != expected) {
        printf("smp-stress: FAILED expected %ld: atomic %ld locked %ld cas %ld\n",
               expected, s->atomic_counter, s->locked_counter, s->cas_counter);
        return 1;
    }
    printf("smp-stress: ok (%d processes x %ld iterations)\n", processes, iterations);
    return 0;
}
