/* Threads on host threads: a mutex-protected counter, atomics, a condition
 * variable queue between a producer and consumers, thread-local storage, join. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#define THREADS 4
#define ROUNDS 20000
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static atomic_long atomic_counter;
static __thread int local_value;

static void *count(void *arg) {
    local_value = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        atomic_fetch_add(&atomic_counter, 1);
    }
    return (void *)(long)(local_value * 10);
}

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_ready = PTHREAD_COND_INITIALIZER;
static int queue[16], head, tail, done;
static long consumed_sum;

static void *consume(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&queue_lock);
        while (head == tail && !done) pthread_cond_wait(&queue_ready, &queue_lock);
        if (head == tail && done) { pthread_mutex_unlock(&queue_lock); return NULL; }
        int value = queue[head++ % 16];
        consumed_sum += value;
        pthread_cond_broadcast(&queue_ready);
        pthread_mutex_unlock(&queue_lock);
    }
}

int main(void) {
    pthread_t threads[THREADS];
    local_value = 99;
    for (long i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, count, (void *)(i + 1)) == 0);
    for (long i = 0; i < THREADS; i++) {
        void *result;
        CHECK(pthread_join(threads[i], &result) == 0);
        CHECK((long)result == (i + 1) * 10);
    }
    CHECK(counter == THREADS * ROUNDS);
    CHECK(atomic_counter == THREADS * ROUNDS);
    CHECK(local_value == 99);

    pthread_t consumers[3];
    for (int i = 0; i < 3; i++) CHECK(pthread_create(&consumers[i], NULL, consume, NULL) == 0);
    long expected = 0;
    for (int v = 1; v <= 5000; v++) {
        pthread_mutex_lock(&queue_lock);
        while (tail - head == 16) pthread_cond_wait(&queue_ready, &queue_lock);
        queue[tail++ % 16] = v;
        expected += v;
        pthread_cond_broadcast(&queue_ready);
        pthread_mutex_unlock(&queue_lock);
    }
    pthread_mutex_lock(&queue_lock);
    done = 1;
    pthread_cond_broadcast(&queue_ready);
    pthread_mutex_unlock(&queue_lock);
    for (int i = 0; i < 3; i++) CHECK(pthread_join(consumers[i], NULL) == 0);
    CHECK(consumed_sum == expected);
    printf("ok\n");
    return 0;
}
