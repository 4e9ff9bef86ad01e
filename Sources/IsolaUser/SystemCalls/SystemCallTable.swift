/// Every riscv64 Linux system call the process VM knows (asm-generic/unistd.h
/// numbering), in one table: its name (for `--strace`, `--deny-syscall` and
/// policies), the host's number for it where the host has one, and, for calls that
/// need nothing but their buffers copied, how they pass to the host kernel. Calls
/// without a `passThrough` have handlers of their own.
struct SystemCallEntry {
    let name: String
    let hostNumber: Int?
    let passThrough: PassThrough?
}

/// A system call forwarded to the host: the host's number and what each argument is.
struct PassThrough {
    let hostNumber: Int
    let arguments: [ArgumentKind]
}

/// What one argument of a forwarded call is, so the kernel knows what to copy.
enum ArgumentKind {
    /// An integer or a file descriptor, passed as it is.
    case value
    /// A NUL-terminated path, looked up through the sysroot and shown to policies.
    case path
    /// A path that may be NULL (utimensat's futimens form).
    case optionalPath
    /// A NUL-terminated string that is not looked up (symlink's target).
    case string
    /// A buffer the host reads (`length` bytes).
    case input(Length)
    /// A buffer the host fills; all of `length` is copied back.
    case output(Length)
    /// A buffer the host fills and the result counts: `result × scale` bytes are copied back.
    case counted(lengthArgument: Int, scale: Int)
    /// A buffer the host reads and updates in place.
    case inputOutput(Length)
    /// A buffer the host fills, whose size is the 32-bit value that argument
    /// `lengthPointer` points to (a socklen_t*: accept's address, getsockopt's value);
    /// as many bytes as the host then says it wrote, at most that size, are copied back.
    case sizedBy(lengthPointer: Int)
    /// Not forwarded (passed as 0): a signal mask the monitor keeps itself.
    case omitted
}

/// How long a buffer argument is.
enum Length {
    case bytes(Int)
    /// The value of another argument, times `scale`.
    case argument(Int, scale: Int)
    /// An fd_set sized by argument `n` (the nfds of select).
    case descriptorSet(Int)
}

enum SystemCallTable {
    /// The host numbers are x86_64's; an arm64 host shares riscv64's asm-generic numbers.
    static let entries: [Int: SystemCallEntry] = {
        var table: [Int: SystemCallEntry] = [:]
        func entry(_ number: Int, _ name: String, _ x86: Int?, _ arguments: [ArgumentKind]?) {
            #if arch(x86_64)
            let host = x86
            #else
            let host = x86 == nil ? nil : number
            #endif
            table[number] = SystemCallEntry(name: name, hostNumber: host, passThrough: host.flatMap { h in arguments.map { PassThrough(hostNumber: h, arguments: $0) } })
        }
        /// A call that passes to the host with its arguments copied as described.
        func forward(_ number: Int, _ name: String, _ x86: Int, _ arguments: [ArgumentKind] = []) { entry(number, name, x86, arguments) }
        /// A call with a handler of its own (which may still use the host's call `x86`).
        func special(_ number: Int, _ name: String, _ x86: Int? = nil) { entry(number, name, x86, nil) }
        let v = ArgumentKind.value, path = ArgumentKind.path
        // Files and directories.
        forward(17, "getcwd", 79, [.counted(lengthArgument: 1, scale: 1), v])
        forward(23, "dup", 32, [v])
        forward(24, "dup3", 292, [v, v, v])
        special(25, "fcntl", 72)
        special(29, "ioctl", 16)
        forward(32, "flock", 73, [v, v])
        forward(33, "mknodat", 259, [v, path, v, v])
        forward(34, "mkdirat", 258, [v, path, v])
        forward(35, "unlinkat", 263, [v, path, v])
        forward(36, "symlinkat", 266, [.string, v, path])
        forward(37, "linkat", 265, [v, path, v, path, v])
        forward(38, "renameat", 264, [v, path, v, path])
        forward(43, "statfs", 137, [path, .output(.bytes(120))])
        forward(44, "fstatfs", 138, [v, .output(.bytes(120))])
        forward(45, "truncate", 76, [path, v])
        forward(46, "ftruncate", 77, [v, v])
        forward(47, "fallocate", 285, [v, v, v, v])
        forward(48, "faccessat", 269, [v, path, v])
        forward(49, "chdir", 80, [path])
        forward(50, "fchdir", 81, [v])
        forward(52, "fchmod", 91, [v, v])
        forward(53, "fchmodat", 268, [v, path, v])
        forward(54, "fchownat", 260, [v, path, v, v, v])
        forward(55, "fchown", 93, [v, v, v])
        special(56, "openat", 257)
        forward(57, "close", 3, [v])
        forward(59, "pipe2", 293, [.output(.bytes(8)), v])
        forward(61, "getdents64", 217, [v, .counted(lengthArgument: 2, scale: 1), v])
        forward(62, "lseek", 8, [v, v, v])
        special(63, "read", 0)
        special(64, "write", 1)
        special(65, "readv", 19)
        special(66, "writev", 20)
        special(67, "pread64", 17)
        special(68, "pwrite64", 18)
        forward(71, "sendfile", 40, [v, v, .inputOutput(.bytes(8)), v])
        forward(72, "pselect6", 270, [v, .inputOutput(.descriptorSet(0)), .inputOutput(.descriptorSet(0)),
                                   .inputOutput(.descriptorSet(0)), .inputOutput(.bytes(16)), .omitted])
        forward(73, "ppoll", 271, [.inputOutput(.argument(1, scale: 8)), v, .inputOutput(.bytes(16)), .omitted, v])
        special(78, "readlinkat", 267)
        special(79, "newfstatat")
        special(80, "fstat")
        forward(81, "sync", 162)
        forward(82, "fsync", 74, [v])
        forward(83, "fdatasync", 75, [v])
        forward(88, "utimensat", 280, [v, .optionalPath, .input(.bytes(32)), v])
        forward(166, "umask", 95, [v])
        forward(276, "renameat2", 316, [v, path, v, path, v])
        forward(291, "statx", 332, [v, path, v, v, .output(.bytes(256))])
        forward(436, "close_range", 436, [v, v, v])
        special(69, "preadv", 295)
        special(70, "pwritev", 296)
        special(286, "preadv2", 327)
        special(287, "pwritev2", 328)
        forward(84, "sync_file_range", 277, [v, v, v, v])
        forward(213, "readahead", 187, [v, v, v])
        forward(267, "syncfs", 306, [v])
        // Extended attributes.
        let string = ArgumentKind.string
        forward(5, "setxattr", 188, [path, string, .input(.argument(3, scale: 1)), v, v])
        forward(6, "lsetxattr", 189, [path, string, .input(.argument(3, scale: 1)), v, v])
        forward(7, "fsetxattr", 190, [v, string, .input(.argument(3, scale: 1)), v, v])
        forward(8, "getxattr", 191, [path, string, .counted(lengthArgument: 3, scale: 1), v])
        forward(9, "lgetxattr", 192, [path, string, .counted(lengthArgument: 3, scale: 1), v])
        forward(10, "fgetxattr", 193, [v, string, .counted(lengthArgument: 3, scale: 1), v])
        forward(11, "listxattr", 194, [path, .counted(lengthArgument: 2, scale: 1), v])
        forward(12, "llistxattr", 195, [path, .counted(lengthArgument: 2, scale: 1), v])
        forward(13, "flistxattr", 196, [v, .counted(lengthArgument: 2, scale: 1), v])
        forward(14, "removexattr", 197, [path, string])
        forward(15, "lremovexattr", 198, [path, string])
        forward(16, "fremovexattr", 199, [v, string])
        forward(439, "faccessat2", 439, [v, path, v, v])
        // Processes and threads.
        special(93, "exit")
        special(94, "exit_group")
        forward(95, "waitid", 247, [v, v, .output(.bytes(128)), v, .output(.bytes(144))])
        special(96, "set_tid_address")
        special(98, "futex", 202)
        special(99, "set_robust_list")
        special(100, "get_robust_list")
        forward(124, "sched_yield", 24)
        forward(123, "sched_getaffinity", 204, [v, v, .counted(lengthArgument: 1, scale: 1)])
        forward(140, "setpriority", 141, [v, v, v])
        forward(141, "getpriority", 140, [v, v])
        // Credentials are the host process's, which the program's are.
        forward(143, "setregid", 114, [v, v])
        forward(144, "setgid", 106, [v])
        forward(145, "setreuid", 113, [v, v])
        forward(146, "setuid", 105, [v])
        forward(147, "setresuid", 117, [v, v, v])
        forward(149, "setresgid", 119, [v, v, v])
        forward(151, "setfsuid", 122, [v])
        forward(152, "setfsgid", 123, [v])
        forward(159, "setgroups", 116, [v, .input(.argument(0, scale: 4))])
        forward(90, "capget", 125, [.inputOutput(.bytes(8)), .output(.bytes(24))])
        forward(91, "capset", 126, [.input(.bytes(8)), .input(.bytes(24))])
        forward(92, "personality", 135, [v])
        forward(97, "unshare", 272, [v])
        forward(268, "setns", 308, [v, v])
        forward(161, "sethostname", 170, [.input(.argument(1, scale: 1)), v])
        forward(162, "setdomainname", 171, [.input(.argument(1, scale: 1)), v])
        forward(30, "ioprio_set", 251, [v, v, v])
        forward(31, "ioprio_get", 252, [v, v])
        forward(272, "kcmp", 312, [v, v, v, v, v])
        forward(438, "pidfd_getfd", 438, [v, v, v])
        // Scheduling: `struct sched_param` is one int on both.
        forward(118, "sched_setparam", 142, [v, .input(.bytes(4))])
        forward(119, "sched_setscheduler", 144, [v, v, .input(.bytes(4))])
        forward(120, "sched_getscheduler", 145, [v])
        forward(121, "sched_getparam", 143, [v, .output(.bytes(4))])
        forward(122, "sched_setaffinity", 203, [v, v, .input(.argument(1, scale: 1))])
        forward(125, "sched_get_priority_max", 146, [v])
        forward(126, "sched_get_priority_min", 147, [v])
        forward(127, "sched_rr_get_interval", 148, [v, .output(.bytes(16))])
        forward(116, "syslog", 103, [v, .counted(lengthArgument: 2, scale: 1), v])
        forward(148, "getresuid", 118, [.output(.bytes(4)), .output(.bytes(4)), .output(.bytes(4))])
        forward(150, "getresgid", 120, [.output(.bytes(4)), .output(.bytes(4)), .output(.bytes(4))])
        forward(153, "times", 100, [.output(.bytes(32))])
        forward(154, "setpgid", 109, [v, v])
        forward(155, "getpgid", 121, [v])
        forward(156, "getsid", 124, [v])
        forward(157, "setsid", 112)
        forward(158, "getgroups", 115, [v, .counted(lengthArgument: 0, scale: 4)])
        special(160, "uname", 63)
        forward(163, "getrlimit", 97, [v, .output(.bytes(16))])
        forward(164, "setrlimit", 160, [v, .input(.bytes(16))])
        forward(165, "getrusage", 98, [v, .output(.bytes(144))])
        special(167, "prctl", 157)
        forward(168, "getcpu", 309, [.output(.bytes(4)), .output(.bytes(4)), .omitted])
        forward(172, "getpid", 39)
        forward(173, "getppid", 110)
        forward(174, "getuid", 102)
        forward(175, "geteuid", 107)
        forward(176, "getgid", 104)
        forward(177, "getegid", 108)
        forward(178, "gettid", 186)
        forward(179, "sysinfo", 99, [.output(.bytes(112))])
        special(220, "clone")
        special(221, "execve", 59)
        forward(260, "wait4", 61, [v, .output(.bytes(4)), v, .output(.bytes(144))])
        forward(261, "prlimit64", 302, [v, v, .input(.bytes(16)), .output(.bytes(16))])
        special(293, "rseq")
        special(435, "clone3")
        // Signals.
        forward(129, "kill", 62, [v, v])
        forward(130, "tkill", 200, [v, v])
        forward(131, "tgkill", 234, [v, v, v])
        special(132, "sigaltstack")
        special(133, "rt_sigsuspend")
        special(134, "rt_sigaction")
        special(135, "rt_sigprocmask")
        special(136, "rt_sigpending")
        special(137, "rt_sigtimedwait", 128)
        special(139, "rt_sigreturn")
        // Time.
        forward(101, "nanosleep", 35, [.input(.bytes(16)), .output(.bytes(16))])
        forward(102, "getitimer", 36, [v, .output(.bytes(32))])
        forward(103, "setitimer", 38, [v, .input(.bytes(32)), .output(.bytes(32))])
        forward(113, "clock_gettime", 228, [v, .output(.bytes(16))])
        forward(114, "clock_getres", 229, [v, .output(.bytes(16))])
        forward(115, "clock_nanosleep", 230, [v, v, .input(.bytes(16)), .output(.bytes(16))])
        forward(169, "gettimeofday", 96, [.output(.bytes(16)), .output(.bytes(8))])
        // POSIX timers: `struct sigevent` (64 bytes) and `itimerspec` are alike on both; a
        // SIGEV_THREAD_ID timer names a host thread, which the program's threads are.
        forward(107, "timer_create", 222, [v, .input(.bytes(64)), .output(.bytes(4))])
        forward(108, "timer_gettime", 224, [v, .output(.bytes(32))])
        forward(109, "timer_getoverrun", 225, [v])
        forward(110, "timer_settime", 223, [v, v, .input(.bytes(32)), .output(.bytes(32))])
        forward(111, "timer_delete", 226, [v])
        // POSIX message queues: names are the host's (/dev/mqueue), `mq_attr` is alike.
        forward(180, "mq_open", 240, [string, v, v, .input(.bytes(64))])
        forward(181, "mq_unlink", 241, [string])
        forward(182, "mq_timedsend", 242, [v, .input(.argument(2, scale: 1)), v, v, .input(.bytes(16))])
        forward(183, "mq_timedreceive", 243, [v, .counted(lengthArgument: 2, scale: 1), v, .output(.bytes(4)), .input(.bytes(16))])
        forward(184, "mq_notify", 244, [v, .input(.bytes(64))])
        forward(185, "mq_getsetattr", 245, [v, .input(.bytes(64)), .output(.bytes(64))])
        // Setting the clock is the host's to allow (CAP_SYS_TIME): `struct timex` is alike on both.
        forward(112, "clock_settime", 227, [v, .input(.bytes(16))])
        forward(170, "settimeofday", 164, [.input(.bytes(16)), .input(.bytes(8))])
        forward(171, "adjtimex", 159, [.inputOutput(.bytes(208))])
        forward(266, "clock_adjtime", 305, [v, .inputOutput(.bytes(208))])
        forward(278, "getrandom", 318, [.counted(lengthArgument: 1, scale: 1), v, v])
        // Memory.
        special(214, "brk")
        special(215, "munmap")
        special(216, "mremap")
        special(222, "mmap")
        special(226, "mprotect")
        special(227, "msync")
        special(233, "madvise")
        special(283, "membarrier")
        // The frames are the monitor's: locking them is accepted, residency reported from the tables.
        special(228, "mlock")
        special(229, "munlock")
        special(230, "mlockall")
        special(231, "munlockall")
        special(284, "mlock2")
        special(232, "mincore")
        forward(223, "fadvise64", 221, [v, v, v, v])
        // Sockets: riscv64 and x86-64 Linux lay out sockaddr, socklen_t and the common
        // option values (int, linger, timeval) alike, so only buffers are copied.
        let socketLength = ArgumentKind.inputOutput(.bytes(4))
        forward(198, "socket", 41, [v, v, v])
        forward(199, "socketpair", 53, [v, v, v, .output(.bytes(8))])
        forward(200, "bind", 49, [v, .input(.argument(2, scale: 1)), v])
        forward(201, "listen", 50, [v, v])
        forward(202, "accept", 43, [v, .sizedBy(lengthPointer: 2), socketLength])
        forward(203, "connect", 42, [v, .input(.argument(2, scale: 1)), v])
        forward(204, "getsockname", 51, [v, .sizedBy(lengthPointer: 2), socketLength])
        forward(205, "getpeername", 52, [v, .sizedBy(lengthPointer: 2), socketLength])
        forward(206, "sendto", 44, [v, .input(.argument(2, scale: 1)), v, v, .input(.argument(5, scale: 1)), v])
        forward(207, "recvfrom", 45, [v, .counted(lengthArgument: 2, scale: 1), v, v, .sizedBy(lengthPointer: 5), socketLength])
        forward(208, "setsockopt", 54, [v, v, v, .input(.argument(4, scale: 1)), v])
        forward(209, "getsockopt", 55, [v, v, v, .sizedBy(lengthPointer: 4), socketLength])
        forward(210, "shutdown", 48, [v, v])
        forward(242, "accept4", 288, [v, .sizedBy(lengthPointer: 2), socketLength, v])
        special(211, "sendmsg", 46)
        special(212, "recvmsg", 47)
        special(243, "recvmmsg", 299)
        special(269, "sendmmsg", 307)
        // Event loops and descriptors (epoll's event has its own layout: a handler).
        forward(19, "eventfd2", 290, [v, v])
        forward(20, "epoll_create1", 291, [v])
        special(21, "epoll_ctl", 233)
        special(22, "epoll_pwait", 281)
        special(441, "epoll_pwait2", 441)
        special(74, "signalfd4", 289)
        forward(26, "inotify_init1", 294, [v])
        forward(27, "inotify_add_watch", 254, [v, path, v])
        forward(28, "inotify_rm_watch", 255, [v, v])
        forward(85, "timerfd_create", 283, [v, v])
        forward(86, "timerfd_settime", 286, [v, v, .input(.bytes(32)), .output(.bytes(32))])
        forward(87, "timerfd_gettime", 287, [v, .output(.bytes(32))])
        forward(279, "memfd_create", 319, [.string, v])
        forward(285, "copy_file_range", 326, [v, .inputOutput(.bytes(8)), v, .inputOutput(.bytes(8)), v, v])
        forward(76, "splice", 275, [v, .inputOutput(.bytes(8)), v, .inputOutput(.bytes(8)), v, v])
        forward(77, "tee", 276, [v, v, v, v])
        forward(434, "pidfd_open", 434, [v, v])
        forward(424, "pidfd_send_signal", 424, [v, v, .input(.bytes(128)), v])
        // System V IPC: the host's queues, semaphores and segments (structures: handlers).
        forward(186, "msgget", 68, [v, v])
        special(187, "msgctl", 71)
        special(188, "msgrcv", 70)
        special(189, "msgsnd", 69)
        forward(190, "semget", 64, [v, v, v])
        special(191, "semctl", 66)
        forward(192, "semtimedop", 220, [v, .input(.argument(2, scale: 6)), v, .input(.bytes(16))])
        forward(193, "semop", 65, [v, .input(.argument(2, scale: 6)), v])
        forward(194, "shmget", 29, [v, v, v])
        special(195, "shmctl", 31)
        special(196, "shmat", 30)
        special(197, "shmdt", 67)
        // Not implemented (ENOSYS): named, so that --strace and policies can name them.
        special(444, "landlock_create_ruleset")
        special(445, "landlock_add_rule")
        special(446, "landlock_restrict_self")
        // RISC-V.
        special(258, "riscv_hwprobe")
        special(259, "riscv_flush_icache")
        return table
    }()

    /// The host's number for a riscv64 call that has one (-1, which the host refuses with ENOSYS, otherwise).
    static func host(_ number: Int) -> Int { entries[number]?.hostNumber ?? -1 }

    static func name(_ number: Int) -> String { entries[number]?.name ?? "syscall_\(number)" }

    static func number(named name: String) -> Int? { entries.first { $0.value.name == name }?.key }
}
