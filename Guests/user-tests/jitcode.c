/* Code a program writes and runs (a JIT in the guest): instructions stored into
 * an mmap'd page run after __riscv_flush_icache (the riscv_flush_icache call);
 * the same page rewritten and run again, in a loop, from this thread and from
 * another one; and a page made executable with mprotect after it was written. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "check.h"

typedef long (*function)(long);

/* addi a0, a0, imm; ret */
static void emit(uint32_t *code, int imm) {
    code[0] = 0x00050513u | ((uint32_t)(imm & 0xFFF) << 20);
    code[1] = 0x00008067u;
    __builtin___clear_cache((char *)code, (char *)(code + 2));
}

static uint32_t *shared;

static void *other_thread(void *arg) {
    (void)arg;
    long sum = 0;
    for (int i = 0; i < 200; i++) {
        emit(shared, i);
        sum += ((function)shared)(1000);
    }
    return (void *)sum;
}

int main(void) {
    uint32_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(code != MAP_FAILED);
    emit(code, 1);
    CHECK(((function)code)(41) == 42);
    emit(code, 2);
    CHECK(((function)code)(41) == 43);
    for (int i = 0; i < 1000; i++) {
        emit(code, i % 2000);
        CHECK(((function)code)(7) == 7 + i % 2000);
    }
    /* Two routines on one page: rewriting one leaves the other as it was. */
    emit(code + 16, 100);
    CHECK(((function)code)(0) == 999 % 2000 && ((function)(code + 16))(0) == 100);
    emit(code, -5);
    CHECK(((function)code)(0) == -5 && ((function)(code + 16))(0) == 100);

    /* Written while only writable, then made executable. */
    uint32_t *later = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(later != MAP_FAILED);
    emit(later, 9);
    CHECK(mprotect(later, 4096, PROT_READ | PROT_EXEC) == 0);
    CHECK(((function)later)(1) == 10);

    /* Another thread rewrites and runs the shared page. */
    shared = code + 64;
    pthread_t t;
    void *result;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
    CHECK(pthread_join(t, &result) == 0);
    CHECK((long)result == 200 * 1000 + 199 * 200 / 2);
    emit(shared, 3);   /* and this one runs what that thread left, rewritten */
    CHECK(((function)shared)(1) == 4);
    printf("ok\n");
    return 0;
}
