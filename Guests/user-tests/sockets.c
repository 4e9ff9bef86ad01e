/* Sockets and event loops as servers and clients use them: AF_UNIX and AF_INET,
 * stream and datagram, addresses passed back through socklen_t pointers (and cut
 * to a short buffer without a byte past it), options, and an epoll loop over an
 * eventfd, a timerfd and a pipe; messages with iovecs, a passed descriptor and
 * credentials; inotify, memfd, copy_file_range, splice and tee.
 * argv[1] is a scratch directory. */
#define _GNU_SOURCE
#include "check.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void unix_sockets(const char *dir) {
    int pair[2];
    char buffer[16] = {0};
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[0], "ping", 4) == 4);
    CHECK(read(pair[1], buffer, sizeof buffer) == 4 && memcmp(buffer, "ping", 4) == 0);
    CHECK(send(pair[1], "pong", 4, 0) == 4);
    CHECK(recv(pair[0], buffer, sizeof buffer, 0) == 4 && memcmp(buffer, "pong", 4) == 0);
    CHECK(shutdown(pair[1], SHUT_WR) == 0);
    CHECK(read(pair[0], buffer, sizeof buffer) == 0);  /* end of stream */
    close(pair[0]);
    close(pair[1]);

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s/socket", dir);
    unlink(address.sun_path);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(listener >= 0);
    CHECK(bind(listener, (struct sockaddr *)&address, sizeof address) == 0);
    CHECK(listen(listener, 4) == 0);
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(client, (struct sockaddr *)&address, sizeof address) == 0);
    struct sockaddr_un peer;
    socklen_t length = sizeof peer;
    int server = accept4(listener, (struct sockaddr *)&peer, &length, SOCK_CLOEXEC);
    CHECK(server >= 0 && peer.sun_family == AF_UNIX);
    CHECK((fcntl(server, F_GETFD) & FD_CLOEXEC) != 0);
    struct sockaddr_un name;
    length = sizeof name;
    CHECK(getsockname(listener, (struct sockaddr *)&name, &length) == 0 && strcmp(name.sun_path, address.sun_path) == 0);
    length = sizeof name;
    CHECK(getpeername(client, (struct sockaddr *)&name, &length) == 0 && strcmp(name.sun_path, address.sun_path) == 0);
    CHECK(write(client, "over a path", 11) == 11);
    CHECK(read(server, buffer, sizeof buffer) == 11 && memcmp(buffer, "over a path", 11) == 0);
    close(client);
    close(server);
    close(listener);

    int datagrams[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, datagrams) == 0);
    CHECK(send(datagrams[0], "one", 3, 0) == 3 && send(datagrams[0], "two!", 4, 0) == 4);
    CHECK(recv(datagrams[1], buffer, sizeof buffer, 0) == 3 && recv(datagrams[1], buffer, sizeof buffer, 0) == 4);
    close(datagrams[0]);
    close(datagrams[1]);
}

/* sendmsg/recvmsg with two iovecs each side, a descriptor passed with SCM_RIGHTS
 * and the sender's credentials with SCM_CREDENTIALS; sendmmsg/recvmmsg. */
static void messages(void) {
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
    int on = 1;
    CHECK(setsockopt(pair[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0);
    int pipes[2];
    CHECK(pipe(pipes) == 0 && write(pipes[1], "through the fd", 14) == 14);
    char head[] = "scatter ", tail[] = "gather";
    struct iovec out[2] = {{head, 8}, {tail, 6}};
    union { struct cmsghdr align; char bytes[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = out, .msg_iovlen = 2, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
    struct cmsghdr *rights = CMSG_FIRSTHDR(&message);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(rights), &pipes[0], sizeof(int));
    CHECK(sendmsg(pair[0], &message, 0) == 14);
    close(pipes[0]);

    char first[5], rest[32];
    struct iovec in[2] = {{first, 5}, {rest, sizeof rest}};
    union { struct cmsghdr align; char bytes[256]; } received;
    struct msghdr reply = {.msg_iov = in, .msg_iovlen = 2, .msg_control = received.bytes, .msg_controllen = sizeof received.bytes};
    CHECK(recvmsg(pair[1], &reply, 0) == 14);
    CHECK(memcmp(first, "scatt", 5) == 0 && memcmp(rest, "er gather", 9) == 0);
    int passed = -1, credentials = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&reply); c; c = CMSG_NXTHDR(&reply, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(c), sizeof passed);
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred who;
            memcpy(&who, CMSG_DATA(c), sizeof who);
            CHECK(who.pid == getpid() && who.uid == getuid());
            credentials = 1;
        }
    }
    CHECK(passed >= 0 && credentials && (reply.msg_flags & MSG_CTRUNC) == 0);
    char buffer[32] = {0};
    CHECK(read(passed, buffer, sizeof buffer) == 14 && memcmp(buffer, "through the fd", 14) == 0);
    close(passed);
    close(pipes[1]);

    struct mmsghdr many[3];
    struct iovec parts[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
    memset(many, 0, sizeof many);
    for (int i = 0; i < 3; i++) { many[i].msg_hdr.msg_iov = &parts[i]; many[i].msg_hdr.msg_iovlen = 1; }
    CHECK(sendmmsg(pair[0], many, 3, 0) == 3 && many[2].msg_len == 3);
    char boxes[3][8];
    struct iovec into[3] = {{boxes[0], 8}, {boxes[1], 8}, {boxes[2], 8}};
    memset(many, 0, sizeof many);
    for (int i = 0; i < 3; i++) { many[i].msg_hdr.msg_iov = &into[i]; many[i].msg_hdr.msg_iovlen = 1; }
    CHECK(recvmmsg(pair[1], many, 3, MSG_WAITFORONE, NULL) == 3);
    CHECK(many[0].msg_len == 1 && many[1].msg_len == 2 && many[2].msg_len == 3 && memcmp(boxes[2], "ccc", 3) == 0);
    close(pair[0]);
    close(pair[1]);
}

/* More than Isola copies in one call (16 MiB): a 20 MiB MSG_WAITALL receive comes
 * back in pieces of at most that, every byte in order, and never writes past the copy;
 * a socket option whose value holds a pointer is refused, not handed to the host. */
static void bounds(void) {
    enum { SIZE = 20 << 20 };
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        static unsigned char out[SIZE];
        for (size_t i = 0; i < SIZE; i++) out[i] = (unsigned char)(i % 251);
        for (size_t sent = 0; sent < SIZE;) { ssize_t n = write(pair[0], out + sent, SIZE - sent); if (n <= 0) _exit(1); sent += (size_t)n; }
        _exit(0);
    }
    static unsigned char in[SIZE];
    size_t got = 0;
    while (got < SIZE) {
        ssize_t n = recv(pair[1], in + got, SIZE - got, MSG_WAITALL);
        CHECK(n > 0);
        got += (size_t)n;
    }
    for (size_t i = 0; i < SIZE; i += 4093) CHECK(in[i] == (unsigned char)(i % 251));
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct sock_filter_like { unsigned short len; void *filter; } program = {1, (void *)0x1000};
    CHECK(setsockopt(pair[1], SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == -1 && errno == ENOPROTOOPT);
    /* A socket address of the wrong size is EINVAL; one that is not mapped, EFAULT. */
    int inet = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(inet >= 0);
    struct sockaddr_in short_address = {.sin_family = AF_INET};
    CHECK(bind(inet, (struct sockaddr *)&short_address, 3) == -1 && errno == EINVAL);
    CHECK(connect(inet, (struct sockaddr *)&short_address, 1) == -1 && errno == EINVAL);
    CHECK(bind(inet, (struct sockaddr *)0x10, sizeof short_address) == -1 && errno == EFAULT);
    socklen_t huge = 1u << 31;
    CHECK(getsockname(inet, (struct sockaddr *)&short_address, &huge) == 0 || errno == EFAULT || errno == EINVAL);
    close(inet);
    close(pair[0]);
    close(pair[1]);
}

static void inet_sockets(void) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1, value = 0;
    socklen_t length = sizeof value;
    CHECK(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    CHECK(getsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &value, &length) == 0 && value == 1 && length == sizeof value);
    CHECK(bind(listener, (struct sockaddr *)&address, sizeof address) == 0 && listen(listener, 8) == 0);
    length = sizeof address;
    CHECK(getsockname(listener, (struct sockaddr *)&address, &length) == 0 && length == sizeof address && address.sin_port != 0);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    CHECK(connect(client, (struct sockaddr *)&address, sizeof address) == 0);
    struct sockaddr_in peer;
    length = sizeof peer;
    int server = accept(listener, (struct sockaddr *)&peer, &length);
    CHECK(server >= 0 && length == sizeof peer && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    static char big[1 << 20];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 7);
    size_t sent = 0, got = 0;
    static char received[1 << 20];
    while (got < sizeof big) {  /* both ends in one thread: interleave so neither buffer fills */
        if (sent < sizeof big) {
            ssize_t n = send(client, big + sent, sizeof big - sent > 65536 ? 65536 : sizeof big - sent, MSG_DONTWAIT);
            if (n > 0) sent += (size_t)n; else CHECK(errno == EAGAIN);
        }
        ssize_t n = recv(server, received + got, sizeof received - got, MSG_DONTWAIT);
        if (n > 0) got += (size_t)n; else CHECK(n < 0 && errno == EAGAIN);
    }
    CHECK(memcmp(big, received, sizeof big) == 0);
    close(client);
    close(server);
    close(listener);

    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET}, from;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(b, (struct sockaddr *)&to, sizeof to) == 0);
    length = sizeof to;
    CHECK(getsockname(b, (struct sockaddr *)&to, &length) == 0);
    CHECK(sendto(a, "datagram", 8, 0, (struct sockaddr *)&to, sizeof to) == 8);
    char buffer[32];
    length = sizeof from;
    CHECK(recvfrom(b, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length) == 8 && memcmp(buffer, "datagram", 8) == 0);
    CHECK(length == sizeof from && from.sin_family == AF_INET && from.sin_port != 0);
    /* A 4-byte address buffer: the kernel says the address is 16 bytes and writes 4. */
    unsigned char small[8];
    memset(small, 0xAB, sizeof small);
    CHECK(sendto(a, "again", 5, 0, (struct sockaddr *)&to, sizeof to) == 5);
    length = 4;
    CHECK(recvfrom(b, buffer, sizeof buffer, 0, (struct sockaddr *)small, &length) == 5);
    CHECK(length == sizeof(struct sockaddr_in) && small[0] == AF_INET && small[4] == 0xAB && small[7] == 0xAB);
    close(a);
    close(b);
}

static void event_loop(void) {
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    int event = eventfd(0, EFD_NONBLOCK);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    int pipes[2];
    CHECK(epoll >= 0 && event >= 0 && timer >= 0 && pipe(pipes) == 0);
    struct epoll_event watch = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, event, &watch) == 0);
    watch.data.u64 = 2;
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &watch) == 0);
    watch.data.u64 = 3;
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, pipes[0], &watch) == 0);
    struct itimerspec due = {.it_value = {0, 20 * 1000 * 1000}}, left;
    CHECK(timerfd_settime(timer, 0, &due, NULL) == 0);
    CHECK(timerfd_gettime(timer, &left) == 0 && left.it_value.tv_nsec <= 20 * 1000 * 1000);
    uint64_t count = 5;
    CHECK(write(event, &count, sizeof count) == sizeof count);
    CHECK(write(pipes[1], "x", 1) == 1);
    int seen = 0;
    for (int round = 0; round < 50 && seen != 7; round++) {
        struct epoll_event ready[4];
        int n = epoll_wait(epoll, ready, 4, 1000);
        CHECK(n > 0);
        for (int i = 0; i < n; i++) {
            CHECK(ready[i].events & EPOLLIN);
            if (ready[i].data.u64 == 0x1122334455667788ull) { CHECK(read(event, &count, 8) == 8 && count == 5); seen |= 1; }
            else if (ready[i].data.u64 == 2) { CHECK(read(timer, &count, 8) == 8 && count == 1); seen |= 2; }
            else if (ready[i].data.u64 == 3) { char c; CHECK(read(pipes[0], &c, 1) == 1 && c == 'x'); seen |= 4; }
            else CHECK(!"an event with data the program never gave");
        }
    }
    CHECK(seen == 7);
    struct timespec now = {0, 0};
    struct epoll_event none[2];
    CHECK(epoll_pwait2(epoll, none, 2, &now, NULL) == 0);
    CHECK(epoll_ctl(epoll, EPOLL_CTL_DEL, pipes[0], NULL) == 0);
    CHECK(epoll_wait(epoll, none, 0, 0) == -1 && errno == EINVAL);
    close(epoll);
    close(event);
    close(timer);
    close(pipes[0]);
    close(pipes[1]);
}

static void descriptors(const char *dir) {
    int watcher = inotify_init1(IN_CLOEXEC);
    CHECK(watcher >= 0);
    int watch = inotify_add_watch(watcher, dir, IN_CREATE);
    CHECK(watch >= 0);
    char path[512];
    snprintf(path, sizeof path, "%s/created", dir);
    unlink(path);  /* a new file, so that its creation is an event */
    int file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(file >= 0);
    char events[4096] __attribute__((aligned(8)));
    ssize_t n = read(watcher, events, sizeof events);
    CHECK(n >= (ssize_t)sizeof(struct inotify_event));
    struct inotify_event *first = (struct inotify_event *)events;
    CHECK(first->wd == watch && (first->mask & IN_CREATE) && strcmp(first->name, "created") == 0);
    CHECK(inotify_rm_watch(watcher, watch) == 0);
    close(watcher);

    int memory = memfd_create("isola", MFD_CLOEXEC);
    CHECK(memory >= 0 && write(memory, "in memory", 9) == 9);
    char buffer[16] = {0};
    CHECK(pread(memory, buffer, sizeof buffer, 0) == 9 && memcmp(buffer, "in memory", 9) == 0);
    /* Between two files of one file system (Linux refuses most cross-file-system copies). */
    CHECK(write(file, "in a file", 9) == 9);
    snprintf(path, sizeof path, "%s/copy", dir);
    int copy = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    loff_t from = 5, to = 0;
    CHECK(copy >= 0 && copy_file_range(file, &from, copy, &to, 4, 0) == 4 && from == 9 && to == 4);
    CHECK(pread(copy, buffer, sizeof buffer, 0) == 4 && memcmp(buffer, "file", 4) == 0);

    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    CHECK(write(in[1], "spliced", 7) == 7);
    CHECK(tee(in[0], out[1], 7, 0) == 7);                      /* a copy stays in `in` */
    loff_t at = 4;
    CHECK(splice(in[0], NULL, copy, &at, 7, 0) == 7 && at == 11);
    CHECK(read(out[0], buffer, sizeof buffer) == 7 && memcmp(buffer, "spliced", 7) == 0);
    CHECK(pread(copy, buffer, sizeof buffer, 0) == 11 && memcmp(buffer, "filespliced", 11) == 0);
    close(memory);
    close(copy);
    close(file);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    unix_sockets(argv[1]);
    messages();
    bounds();
    inet_sockets();
    event_loop();
    descriptors(argv[1]);
    puts("ok");
    return 0;
}
