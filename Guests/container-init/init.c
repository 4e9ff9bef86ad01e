/*
 * Isola's init for containers: PID 1 of a container's VM (isola-runtime).
 *
 * It talks to the monitor over /dev/hvc0 (the virtio console) in frames:
 *   type (1 byte), stream (u32 LE), length (u32 LE), payload.
 * Stream 0 is the container's process; exec'd processes get streams 1, 2, ...
 *
 *   guest -> host: 'R' ready (waiting for the process; a template snapshot is taken here)
 *                  'S' started (payload: guest pid u32), 'F' failed to start (payload: message)
 *                  'O' stdout bytes, 'E' stderr bytes, 'X' exited (payload: wait status u32)
 *   host -> guest: 'C' the container (payload: NUL-terminated key=value entries)
 *                  'P' an exec'd process (same payload), 'I' stdin bytes, 'D' end of stdin,
 *                  'K' a signal (payload: u32; stream 0xffffffff: every process),
 *                  'W' a terminal's size (payload: rows u16, columns u16)
 *
 * Before 'R' it mounts /proc, /sys, /dev, /dev/pts and /dev/shm; for 'C' it mounts the
 * shared root (virtio-fs tag "rootfs"), moves those under it, moves it to / and chroots; configures the network it is given;
 * then runs the process with the settings it is given: args, env, cwd, uid, gid,
 * extra groups, rlimits, hostname, terminal. When the container's process ends it
 * reports the status and powers the VM off.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64
#define MAX_ENTRIES 1024

struct proc {
    int used;
    uint32_t stream;
    pid_t pid;
    int in, out, err; /* our ends: child's stdin (write), stdout and stderr (read); -1 when closed */
    int terminal;     /* in == out == the pty master */
    int exited;
    int status;
    struct timespec exited_at;
};

static double since(struct timespec t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t.tv_sec) + (double)(now.tv_nsec - t.tv_nsec) / 1e9;
}

static int channel = -1;
static struct proc procs[MAX_PROCS];

static void fail_hard(const char *what) {
    fprintf(stderr, "isola-init: %s: %s\n", what, strerror(errno));
    sync();
    reboot(RB_POWER_OFF);
    _exit(1);
}

static void write_all(int fd, const void *data, size_t length) {
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        length -= (size_t)n;
    }
}

static int read_all(int fd, void *data, size_t length) {
    char *p = data;
    while (length > 0) {
        ssize_t n = read(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

static void send_frame(char type, uint32_t stream, const void *payload, uint32_t length) {
    unsigned char header[9];
    header[0] = (unsigned char)type;
    for (int i = 0; i < 4; i++) header[1 + i] = (unsigned char)(stream >> (8 * i));
    for (int i = 0; i < 4; i++) header[5 + i] = (unsigned char)(length >> (8 * i));
    write_all(channel, header, 9);
    if (length) write_all(channel, payload, length);
}

static void send_u32(char type, uint32_t stream, uint32_t value) {
    unsigned char b[4] = {value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24};
    send_frame(type, stream, b, 4);
}

/* The key=value entries of a 'C' or 'P' payload. */
struct spec {
    char *args[MAX_ENTRIES];
    int nargs;
    char *env[MAX_ENTRIES];
    int nenv;
    const char *cwd, *hostname, *address, *gateway, *seed, *mac, *mtu;
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
    int terminal;
    struct { int resource; rlim_t soft, hard; } limits[32];
    int nlimits;
    unsigned short rows, columns;
};

static const struct { const char *name; int resource; } rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

static void parse_spec(char *payload, uint32_t length, struct spec *s) {
    memset(s, 0, sizeof *s);
    s->cwd = "/";
    char *end = payload + length;
    for (char *p = payload, *next; p < end; p = next) {
        next = p + strlen(p) + 1; /* before the entry is cut at its '=' */
        char *eq = strchr(p, '=');
        if (!eq) continue;
        *eq = 0;
        char *v = eq + 1;
        if (!strcmp(p, "arg") && s->nargs < MAX_ENTRIES - 1) s->args[s->nargs++] = v;
        else if (!strcmp(p, "env") && s->nenv < MAX_ENTRIES - 1) s->env[s->nenv++] = v;
        else if (!strcmp(p, "cwd")) s->cwd = v;
        else if (!strcmp(p, "uid")) s->uid = (uid_t)strtoul(v, NULL, 10);
        else if (!strcmp(p, "gid")) s->gid = (gid_t)strtoul(v, NULL, 10);
        else if (!strcmp(p, "group") && s->ngroups < 64) s->groups[s->ngroups++] = (gid_t)strtoul(v, NULL, 10);
        else if (!strcmp(p, "terminal")) s->terminal = v[0] == '1';
        else if (!strcmp(p, "hostname")) s->hostname = v;
        else if (!strcmp(p, "address")) s->address = v;
        else if (!strcmp(p, "gateway")) s->gateway = v;
        else if (!strcmp(p, "seed")) s->seed = v;
        else if (!strcmp(p, "mac")) s->mac = v;
        else if (!strcmp(p, "mtu")) s->mtu = v;
        else if (!strcmp(p, "rows")) s->rows = (unsigned short)atoi(v);
        else if (!strcmp(p, "columns")) s->columns = (unsigned short)atoi(v);
        else if (!strcmp(p, "rlimit") && s->nlimits < 32) {
            /* NAME:SOFT:HARD */
            char *c1 = strchr(v, ':');
            char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (!c2) continue;
            *c1 = 0;
            for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++) {
                if (!strcmp(v, rlimit_names[i].name)) {
                    s->limits[s->nlimits].resource = rlimit_names[i].resource;
                    s->limits[s->nlimits].soft = strtoull(c1 + 1, NULL, 10);
                    s->limits[s->nlimits].hard = strtoull(c2 + 1, NULL, 10);
                    s->nlimits++;
                }
            }
        }
    }
    s->args[s->nargs] = NULL;
    s->env[s->nenv] = NULL;
}

static void mount_or_warn(const char *source, const char *target, const char *type, unsigned long flags, const char *data) {
    mkdir(target, 0755);
    if (mount(source, target, type, flags, data) != 0)
        fprintf(stderr, "isola-init: mount %s on %s: %s\n", type, target, strerror(errno));
}

/* The file systems every container gets, mounted before the template point (they
   are the same for every container, so a clone does not pay for them) and moved
   under the container's root when it is known. */
static void premount(void) {
    mount_or_warn("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount_or_warn("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount_or_warn("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    mount_or_warn("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    /* lo, up: the same in every container too */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) { ifr.ifr_flags |= IFF_UP; ioctl(fd, SIOCSIFFLAGS, &ifr); }
        close(fd);
    }
}

static void move_to_root(const char *from, const char *to) {
    mkdir(to, 0755);
    if (mount(from, to, NULL, MS_MOVE, NULL) != 0) fprintf(stderr, "isola-init: move %s to %s: %s\n", from, to, strerror(errno));
}

/* The shared root becomes / (switch_root's way: an initramfs cannot be pivoted away). */
static void enter_root(void) {
    mkdir("/newroot", 0755);
    if (mount("rootfs", "/newroot", "virtiofs", 0, NULL) != 0) fail_hard("mount the container's root (virtio-fs tag rootfs)");
    move_to_root("/proc", "/newroot/proc");
    move_to_root("/sys", "/newroot/sys");
    move_to_root("/dev", "/newroot/dev"); /* with /dev/pts and /dev/shm */
    if (chdir("/newroot") != 0) fail_hard("chdir /newroot");
    if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) fail_hard("move the root");
    if (chroot(".") != 0) fail_hard("chroot");
    if (chdir("/") != 0) fail_hard("chdir /");
}

/* ADDRESS/PREFIX on eth0 with MAC and MTU, and a default route through GATEWAY (as CNI
   left them in the container's network namespace). A template's clone booted with the
   template's MAC: it takes the namespace interface's, which its peers know. */
static void configure_network(const char *address, const char *gateway, const char *mac, const char *mtu) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    struct ifreq ifr;
    if (mac && *mac) {
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "eth0");
        unsigned b[6];
        if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6) {
            ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
            for (int i = 0; i < 6; i++) ifr.ifr_hwaddr.sa_data[i] = (char)b[i];
            if (ioctl(fd, SIOCSIFHWADDR, &ifr) != 0) fprintf(stderr, "isola-init: MAC %s on eth0: %s\n", mac, strerror(errno));
        }
    }
    if (mtu && atoi(mtu) > 0) {
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "eth0");
        ifr.ifr_mtu = atoi(mtu);
        ioctl(fd, SIOCSIFMTU, &ifr);
    }
    if (address && *address) {
        char copy[64];
        snprintf(copy, sizeof copy, "%s", address);
        char *slash = strchr(copy, '/');
        int prefix = slash ? atoi(slash + 1) : 24;
        if (slash) *slash = 0;
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "eth0");
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        if (inet_pton(AF_INET, copy, &sin->sin_addr) == 1 && ioctl(fd, SIOCSIFADDR, &ifr) == 0) {
            sin->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
            ioctl(fd, SIOCSIFNETMASK, &ifr);
        } else {
            fprintf(stderr, "isola-init: address %s on eth0: %s\n", address, strerror(errno));
        }
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) { ifr.ifr_flags |= IFF_UP | IFF_RUNNING; ioctl(fd, SIOCSIFFLAGS, &ifr); }
    }
    if (gateway && *gateway) {
        struct rtentry route;
        memset(&route, 0, sizeof route);
        struct sockaddr_in *g = (struct sockaddr_in *)&route.rt_gateway;
        g->sin_family = AF_INET;
        ((struct sockaddr_in *)&route.rt_dst)->sin_family = AF_INET;
        ((struct sockaddr_in *)&route.rt_genmask)->sin_family = AF_INET;
        route.rt_flags = RTF_UP | RTF_GATEWAY;
        route.rt_dev = "eth0";
        if (inet_pton(AF_INET, gateway, &g->sin_addr) == 1 && ioctl(fd, SIOCADDRT, &route) != 0)
            fprintf(stderr, "isola-init: route via %s: %s\n", gateway, strerror(errno));
    }
    close(fd);
}

static struct proc *new_proc(uint32_t stream) {
    for (int i = 0; i < MAX_PROCS; i++) {
        if (!procs[i].used) {
            memset(&procs[i], 0, sizeof procs[i]);
            procs[i].used = 1;
            procs[i].stream = stream;
            procs[i].in = procs[i].out = procs[i].err = -1;
            return &procs[i];
        }
    }
    return NULL;
}

static struct proc *find_proc(uint32_t stream) {
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].used && procs[i].stream == stream) return &procs[i];
    return NULL;
}

/* Starts a process as `s` says; the child reports a failure to exec through a pipe. */
static void start_process(uint32_t stream, struct spec *s) {
    struct proc *p = new_proc(stream);
    if (!p || s->nargs == 0) {
        const char *why = p ? "the process has no args" : "too many processes";
        send_frame('F', stream, why, (uint32_t)strlen(why));
        if (p) p->used = 0;
        return;
    }
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2];
    int master = -1;
    char slave_name[64] = "";
    if (s->terminal) {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, slave_name, sizeof slave_name)) {
            const char *why = "cannot make a terminal";
            send_frame('F', stream, why, (uint32_t)strlen(why));
            p->used = 0;
            return;
        }
        if (s->rows && s->columns) {
            struct winsize ws = {.ws_row = s->rows, .ws_col = s->columns};
            ioctl(master, TIOCSWINSZ, &ws);
        }
    } else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        const char *why = "cannot make pipes";
        send_frame('F', stream, why, (uint32_t)strlen(why));
        p->used = 0;
        return;
    }
    if (pipe2(report, O_CLOEXEC) != 0) report[0] = report[1] = -1;
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < 32; sig++) signal(sig, SIG_DFL);
        setsid();
        if (s->terminal) {
            int slave = open(slave_name, O_RDWR);
            if (slave < 0) _exit(127);
            ioctl(slave, TIOCSCTTY, 0);
            dup2(slave, 0); dup2(slave, 1); dup2(slave, 2);
            if (slave > 2) close(slave);
        } else {
            dup2(in[0], 0); dup2(out[1], 1); dup2(err[1], 2);
        }
        const char *step = "setrlimit";
        for (int i = 0; i < s->nlimits; i++) {
            struct rlimit l = {s->limits[i].soft, s->limits[i].hard};
            if (setrlimit(s->limits[i].resource, &l) != 0) goto failed;
        }
        step = "setgroups";
        if (setgroups((size_t)s->ngroups, s->groups) != 0) goto failed;
        step = "setgid";
        if (setgid(s->gid) != 0) goto failed;
        step = "setuid";
        if (setuid(s->uid) != 0) goto failed;
        step = "chdir to cwd";
        if (chdir(s->cwd) != 0) goto failed;
        environ = s->env;
        if (!getenv("PATH")) setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
        step = "exec";
        execvp(s->args[0], s->args);
    failed:;
        char message[512];
        int code = errno;
        int n = snprintf(message, sizeof message, "%s %s: %s", step, step[0] == 'e' ? s->args[0] : "", strerror(code));
        if (report[1] >= 0) write_all(report[1], message, (size_t)n);
        _exit(code == ENOENT ? 127 : 126);
    }
    if (report[1] >= 0) close(report[1]);
    char message[512];
    ssize_t n = report[0] >= 0 ? read(report[0], message, sizeof message) : 0;
    if (report[0] >= 0) close(report[0]);
    if (pid < 0 || n > 0) {
        send_frame('F', stream, pid < 0 ? "fork failed" : message, pid < 0 ? 11 : (uint32_t)n);
        if (pid > 0) waitpid(pid, NULL, 0);
        if (master >= 0) close(master);
        for (int i = 0; i < 2; i++) { if (in[i] >= 0) close(in[i]); if (out[i] >= 0) close(out[i]); if (err[i] >= 0) close(err[i]); }
        p->used = 0;
        return;
    }
    p->pid = pid;
    if (s->terminal) {
        p->terminal = 1;
        p->in = p->out = master;
    } else {
        close(in[0]); close(out[1]); close(err[1]);
        p->in = in[1]; p->out = out[0]; p->err = err[0];
    }
    send_u32('S', stream, (uint32_t)pid);
}

static void reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_PROCS; i++) {
            if (procs[i].used && procs[i].pid == pid) {
                procs[i].exited = 1;
                procs[i].status = status;
                clock_gettime(CLOCK_MONOTONIC, &procs[i].exited_at);
            }
        }
    }
}

/* What a process that exited left in its pipes (a daemon it started may hold them
   open: the process's end is its exit, as for runc). */
static void drain(struct proc *p) {
    int fds[2] = {p->out, p->err};
    char kinds[2] = {'O', 'E'};
    static char buffer[65536];
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 0) continue;
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        ssize_t got;
        while ((got = read(fds[i], buffer, sizeof buffer)) > 0) send_frame(kinds[i], p->stream, buffer, (uint32_t)got);
    }
}

/* A process is finished once it exited: the rest of its output goes first. */
static void finish(struct proc *p) {
    drain(p);
    if (p->in >= 0 && p->in != p->out) close(p->in);
    if (p->out >= 0) close(p->out);
    if (p->err >= 0) close(p->err);
    send_u32('X', p->stream, (uint32_t)p->status);
    uint32_t stream = p->stream;
    p->used = 0;
    if (stream == 0) {
        /* The container's process ended: the VM ends with it. */
        sync();
        reboot(RB_POWER_OFF);
    }
}

static int sigchld_pipe[2];
static void on_sigchld(int sig) { (void)sig; int saved = errno; (void)!write(sigchld_pipe[1], "c", 1); errno = saved; }

int main(void) {
    /* The initramfs: /dev for the console, then the channel in raw mode. */
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    channel = open("/dev/hvc0", O_RDWR | O_CLOEXEC);
    if (channel < 0) fail_hard("open /dev/hvc0");
    struct termios raw;
    if (tcgetattr(channel, &raw) == 0) { cfmakeraw(&raw); tcsetattr(channel, TCSANOW, &raw); }
    if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0) fail_hard("pipe");
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    premount();
    send_frame('R', 0, NULL, 0);
    static char payload[1 << 20];
    int started = 0;
    for (;;) {
        struct pollfd fds[2 + 2 * MAX_PROCS];
        struct proc *owner[2 + 2 * MAX_PROCS];
        int kind[2 + 2 * MAX_PROCS];
        int n = 0;
        fds[n] = (struct pollfd){.fd = channel, .events = POLLIN}; owner[n] = NULL; kind[n++] = 0;
        fds[n] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN}; owner[n] = NULL; kind[n++] = 0;
        for (int i = 0; i < MAX_PROCS; i++) {
            struct proc *p = &procs[i];
            if (!p->used) continue;
            if (p->out >= 0) { fds[n] = (struct pollfd){.fd = p->out, .events = POLLIN}; owner[n] = p; kind[n++] = 'O'; }
            if (p->err >= 0) { fds[n] = (struct pollfd){.fd = p->err, .events = POLLIN}; owner[n] = p; kind[n++] = 'E'; }
        }
        int waiting = 0;
        for (int i = 0; i < MAX_PROCS; i++) waiting |= procs[i].used && procs[i].exited;
        if (poll(fds, (nfds_t)n, waiting ? 50 : -1) < 0 && errno != EINTR) fail_hard("poll");
        if (fds[1].revents) { char b[64]; while (read(sigchld_pipe[0], b, sizeof b) > 0) {} reap(); }
        for (int i = 2; i < n; i++) {
            if (!fds[i].revents) continue;
            static char buffer[65536];
            ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
            if (got > 0) {
                send_frame((char)kind[i], owner[i]->stream, buffer, (uint32_t)got);
            } else if (got == 0 || errno != EINTR) {
                /* End of output (a pty master reads EIO once the last slave closes). */
                if (kind[i] == 'O') { if (owner[i]->terminal) owner[i]->in = -1; close(owner[i]->out); owner[i]->out = -1; }
                else { close(owner[i]->err); owner[i]->err = -1; }
            }
        }
        for (int i = 0; i < MAX_PROCS; i++) {
            struct proc *p = &procs[i];
            /* A terminal's last output may still be on its way from the slave to the master:
               wait for the master's end (every slave closed), for at most a second. */
            if (p->used && p->exited && (!p->terminal || p->out < 0 || since(p->exited_at) > 1.0)) finish(p);
        }
        if (!fds[0].revents) continue;
        unsigned char header[9];
        if (read_all(channel, header, 9) != 0) fail_hard("read the channel");
        uint32_t stream = 0, length = 0;
        for (int i = 0; i < 4; i++) stream |= (uint32_t)header[1 + i] << (8 * i);
        for (int i = 0; i < 4; i++) length |= (uint32_t)header[5 + i] << (8 * i);
        if (length >= sizeof payload) fail_hard("a frame longer than 1 MiB");
        if (read_all(channel, payload, length) != 0) fail_hard("read the channel");
        payload[length] = 0;
        struct proc *p = find_proc(stream);
        switch (header[0]) {
        case 'C':
        case 'P': {
            static struct spec s;
            parse_spec(payload, length, &s);
            if (header[0] == 'C') {
                if (started) break;
                started = 1;
                if (s.seed) {
                    /* Every clone of a template starts from the same kernel random state: mix in the monitor's. */
                    int random = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
                    if (random >= 0) { write_all(random, s.seed, strlen(s.seed)); close(random); }
                }
                enter_root();
                if (s.hostname) sethostname(s.hostname, strlen(s.hostname));
                configure_network(s.address, s.gateway, s.mac, s.mtu);
                start_process(0, &s);
                /* Without the container's process there is nothing to run: end the VM. */
                if (!find_proc(0)) { sync(); reboot(RB_POWER_OFF); }
            } else if (started) {
                start_process(stream, &s);
            }
            break;
        }
        case 'I':
            if (p && p->in >= 0) write_all(p->in, payload, length);
            break;
        case 'D':
            if (p && p->in >= 0 && !p->terminal) { close(p->in); p->in = -1; }
            break;
        case 'K': {
            uint32_t sig = 0;
            for (uint32_t i = 0; i < 4 && i < length; i++) sig |= (uint32_t)(unsigned char)payload[i] << (8 * i);
            if (stream == 0xffffffffu) kill(-1, (int)sig);
            else if (p && !p->exited) kill(p->terminal ? -p->pid : p->pid, (int)sig);
            break;
        }
        case 'W':
            if (p && p->terminal && length >= 4) {
                struct winsize ws = {.ws_row = (unsigned short)((unsigned char)payload[0] | (unsigned char)payload[1] << 8),
                                     .ws_col = (unsigned short)((unsigned char)payload[2] | (unsigned char)payload[3] << 8)};
                ioctl(p->in, TIOCSWINSZ, &ws);
            }
            break;
        }
    }
}
