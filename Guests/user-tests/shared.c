/* MAP_SHARED mappings that really are shared (with their file, and between the
 * processes a fork makes), mremap and msync of them, SIGBUS past a file's end,
 * MADV_DONTNEED, and System V shared memory, semaphores and message queues.
 * argv[1] is a scratch directory. */
#define _GNU_SOURCE
#include "check.h"
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf bus_jump;
static void on_bus(int signal) { siglongjmp(bus_jump, signal); }

#define wait_for(pid, expected) wait_for_at(pid, expected, __LINE__)
static void wait_for_at(pid_t pid, int expected, int line) {
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == expected)) printf("status 0x%x at line %d\n", status, line);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == expected);
}

static void shared_file(const char *directory) {
    char path[512];
    snprintf(path, sizeof path, "%s/shared-file", directory);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, 8192) == 0);
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    /* Stores reach the file, and the file's writes show in the mapping. */
    memcpy(map, "hello", 5);
    memcpy(map + 4096, "page two", 8);
    CHECK(msync(map, 8192, MS_SYNC) == 0);
    char buffer[16] = {0};
    CHECK(pread(fd, buffer, 5, 0) == 5 && memcmp(buffer, "hello", 5) == 0);
    CHECK(pread(fd, buffer, 8, 4096) == 8 && memcmp(buffer, "page two", 8) == 0);
    CHECK(pwrite(fd, "WORLD", 5, 100) == 5);
    CHECK(memcmp(map + 100, "WORLD", 5) == 0);
    /* A child's stores reach the parent's mapping of the same file. */
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(map + 200, "child", 5);
        _exit(0);
    }
    wait_for(pid, 0);
    CHECK(memcmp(map + 200, "child", 5) == 0);
    /* mremap grows the mapping with the file's next pages. */
    CHECK(ftruncate(fd, 3 * 4096) == 0);
    char *grown = mremap(map, 8192, 3 * 4096, MREMAP_MAYMOVE);
    CHECK(grown != MAP_FAILED);
    CHECK(memcmp(grown, "hello", 5) == 0 && memcmp(grown + 4096, "page two", 8) == 0);
    memcpy(grown + 8192, "third", 5);
    CHECK(pread(fd, buffer, 5, 8192) == 5 && memcmp(buffer, "third", 5) == 0);
    CHECK(munmap(grown, 3 * 4096) == 0);
    close(fd);

    /* A file opened read-only maps read-only: writable is EACCES, mapping and mprotect alike. */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
    char *readonly = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(readonly != MAP_FAILED && memcmp(readonly, "hello", 5) == 0);
    CHECK(mprotect(readonly, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
    CHECK(munmap(readonly, 4096) == 0);
    close(fd);

    /* Past the file's end a touched page is SIGBUS, for the program to handle. */
    fd = open(path, O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && write(fd, "short", 5) == 5);
    char *beyond = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(beyond != MAP_FAILED && memcmp(beyond, "short", 5) == 0);
    signal(SIGBUS, on_bus);
    int caught = sigsetjmp(bus_jump, 1);
    if (caught == 0) {
        volatile char c = beyond[4096];
        (void)c;
        CHECK(!"no SIGBUS past the end of the file");
    }
    CHECK(caught == SIGBUS);
    signal(SIGBUS, SIG_DFL);
    CHECK(munmap(beyond, 8192) == 0);
    close(fd);
}

static void shared_anonymous(void) {
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED && private != MAP_FAILED);
    pid_t pid = fork();
    if (pid == 0) {
        shared[0] = 42;
        private[0] = 42;
        _exit(0);
    }
    wait_for(pid, 0);
    CHECK(shared[0] == 42);
    CHECK(private[0] == 0);
    /* Grown in place or moved, it stays shared with a child made afterwards; as on
       Linux, the pages past the shared object's size are SIGBUS. */
    int *grown = mremap(shared, 4096, 4 * 4096, MREMAP_MAYMOVE);
    CHECK(grown != MAP_FAILED && grown[0] == 42);
    pid = fork();
    if (pid == 0) {
        grown[1] = 8;
        grown[3 * 1024] = 7;
        _exit(0);
    }
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
    CHECK(grown[1] == 8);
    /* MADV_DONTNEED: private anonymous pages read as zeros again. */
    private[0] = 9;
    CHECK(madvise(private, 4096, MADV_DONTNEED) == 0 && private[0] == 0);
    munmap(grown, 4 * 4096);
    munmap(private, 4096);
}

static void system_v(void) {
    /* Shared memory: attached, shared with a child, its status as the kernel keeps it. */
    int segment = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    CHECK(segment >= 0);
    char *attached = shmat(segment, NULL, 0);
    CHECK(attached != (void *)-1);
    struct shmid_ds status;
    CHECK(shmctl(segment, IPC_STAT, &status) == 0 && status.shm_segsz == 8192 && status.shm_nattch == 1);
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(attached + 5000, "from the child");
        _exit(0);
    }
    wait_for(pid, 0);
    CHECK(strcmp(attached + 5000, "from the child") == 0);
    CHECK(shmdt(attached) == 0);
    CHECK(shmdt(attached) == -1 && errno == EINVAL);
    CHECK(shmctl(segment, IPC_STAT, &status) == 0 && status.shm_nattch == 0);
    CHECK(shmctl(segment, IPC_RMID, NULL) == 0);

    /* Semaphores: values, the set's status (laid out differently on the host), a wait a child ends. */
    int set = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    CHECK(set >= 0);
    CHECK(semctl(set, 0, SETVAL, 3) == 0 && semctl(set, 0, GETVAL) == 3);
    unsigned short values[2] = {5, 0};
    CHECK(semctl(set, 0, SETALL, values) == 0);
    values[0] = values[1] = 99;
    CHECK(semctl(set, 0, GETALL, values) == 0 && values[0] == 5 && values[1] == 0);
    struct semid_ds set_status;
    CHECK(semctl(set, 0, IPC_STAT, &set_status) == 0 && set_status.sem_nsems == 2);
    CHECK((set_status.sem_perm.mode & 0777) == 0600);
    set_status.sem_perm.mode = 0640;
    CHECK(semctl(set, 0, IPC_SET, &set_status) == 0);
    CHECK(semctl(set, 0, IPC_STAT, &set_status) == 0 && (set_status.sem_perm.mode & 0777) == 0640 && set_status.sem_nsems == 2);
    struct sembuf down = {0, -1, 0};
    CHECK(semop(set, &down, 1) == 0 && semctl(set, 0, GETVAL) == 4);
    pid = fork();
    if (pid == 0) {
        usleep(50000);
        struct sembuf up = {1, 1, 0};
        _exit(semop(set, &up, 1) == 0 ? 0 : 1);
    }
    struct sembuf wait_one = {1, -1, 0};
    CHECK(semop(set, &wait_one, 1) == 0);
    wait_for(pid, 0);
    CHECK(semctl(set, 0, IPC_RMID) == 0);

    /* Message queues: typed messages, in both directions. */
    int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    CHECK(queue >= 0);
    struct { long type; char text[32]; } message = {7, "hello queue"};
    CHECK(msgsnd(queue, &message, strlen(message.text) + 1, 0) == 0);
    struct msqid_ds queue_status;
    CHECK(msgctl(queue, IPC_STAT, &queue_status) == 0 && queue_status.msg_qnum == 1);
    memset(&message, 0, sizeof message);
    CHECK(msgrcv(queue, &message, sizeof message.text, 7, 0) == 12 && message.type == 7 && strcmp(message.text, "hello queue") == 0);
    pid = fork();
    if (pid == 0) {
        struct { long type; char text[8]; } reply = {3, "child"};
        _exit(msgsnd(queue, &reply, 6, 0) == 0 ? 0 : 1);
    }
    CHECK(msgrcv(queue, &message, sizeof message.text, 0, 0) == 6 && message.type == 3 && strcmp(message.text, "child") == 0);
    wait_for(pid, 0);
    CHECK(msgctl(queue, IPC_RMID, NULL) == 0);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    shared_file(argv[1]);
    shared_anonymous();
    system_v();
    printf("ok\n");
    return 0;
}
