/// Every riscv64 Linux system call the process VM knows (asm-generic/unistd.h
/// numbering), in one table: its name (for `--strace`, `--deny-syscall` and
/// policies) and, for calls that need nothing but their buffers copied, how they
/// pass to the host kernel. Calls without a `passThrough` have handlers of their own.
struct SystemCallEntry {
    let name: String
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
        func call(_ number: Int, _ name: String, _ x86: Int? = nil, _ arguments: [ArgumentKind] = []) {
            #if arch(x86_64)
            let host = x86
            #else
            let host = x86 == nil ? nil : number
            #endif
            table[number] = SystemCallEntry(name: name, passThrough: host.map { PassThrough(hostNumber: $0, arguments: arguments) })
        }
        let v = ArgumentKind.value, path = ArgumentKind.path
        // Files and directories.
        call(17, "getcwd", 79, [.counted(lengthArgument: 1, scale: 1), v])
        call(23, "dup", 32, [v])
        call(24, "dup3", 292, [v, v, v])
        call(25, "fcntl")
        call(29, "ioctl")
        call(32, "flock", 73, [v, v])
        call(33, "mknodat", 259, [v, path, v, v])
        call(34, "mkdirat", 258, [v, path, v])
        call(35, "unlinkat", 263, [v, path, v])
        call(36, "symlinkat", 266, [.string, v, path])
        call(37, "linkat", 265, [v, path, v, path, v])
        call(38, "renameat", 264, [v, path, v, path])
        call(43, "statfs", 137, [path, .output(.bytes(120))])
        call(44, "fstatfs", 138, [v, .output(.bytes(120))])
        call(45, "truncate", 76, [path, v])
        call(46, "ftruncate", 77, [v, v])
        call(47, "fallocate", 285, [v, v, v, v])
        call(48, "faccessat", 269, [v, path, v])
        call(49, "chdir", 80, [path])
        call(50, "fchdir", 81, [v])
        call(52, "fchmod", 91, [v, v])
        call(53, "fchmodat", 268, [v, path, v])
        call(54, "fchownat", 260, [v, path, v, v, v])
        call(55, "fchown", 93, [v, v, v])
        call(56, "openat")
        call(57, "close", 3, [v])
        call(59, "pipe2", 293, [.output(.bytes(8)), v])
        call(61, "getdents64", 217, [v, .counted(lengthArgument: 2, scale: 1), v])
        call(62, "lseek", 8, [v, v, v])
        call(63, "read")
        call(64, "write")
        call(65, "readv")
        call(66, "writev")
        call(67, "pread64")
        call(68, "pwrite64")
        call(71, "sendfile", 40, [v, v, .inputOutput(.bytes(8)), v])
        call(72, "pselect6", 270, [v, .inputOutput(.descriptorSet(0)), .inputOutput(.descriptorSet(0)),
                                   .inputOutput(.descriptorSet(0)), .inputOutput(.bytes(16)), .omitted])
        call(73, "ppoll", 271, [.inputOutput(.argument(1, scale: 8)), v, .inputOutput(.bytes(16)), .omitted, v])
        call(78, "readlinkat")
        call(79, "newfstatat")
        call(80, "fstat")
        call(81, "sync", 162)
        call(82, "fsync", 74, [v])
        call(83, "fdatasync", 75, [v])
        call(88, "utimensat", 280, [v, .optionalPath, .input(.bytes(32)), v])
        call(166, "umask", 95, [v])
        call(276, "renameat2", 316, [v, path, v, path, v])
        call(291, "statx", 332, [v, path, v, v, .output(.bytes(256))])
        call(436, "close_range", 436, [v, v, v])
        call(439, "faccessat2", 439, [v, path, v, v])
        // Processes and threads.
        call(93, "exit")
        call(94, "exit_group")
        call(95, "waitid", 247, [v, v, .output(.bytes(128)), v, .output(.bytes(144))])
        call(96, "set_tid_address")
        call(98, "futex")
        call(99, "set_robust_list")
        call(100, "get_robust_list")
        call(124, "sched_yield", 24)
        call(123, "sched_getaffinity", 204, [v, v, .counted(lengthArgument: 1, scale: 1)])
        call(140, "setpriority", 141, [v, v, v])
        call(141, "getpriority", 140, [v, v])
        call(148, "getresuid", 118, [.output(.bytes(4)), .output(.bytes(4)), .output(.bytes(4))])
        call(150, "getresgid", 120, [.output(.bytes(4)), .output(.bytes(4)), .output(.bytes(4))])
        call(153, "times", 100, [.output(.bytes(32))])
        call(154, "setpgid", 109, [v, v])
        call(155, "getpgid", 121, [v])
        call(156, "getsid", 124, [v])
        call(157, "setsid", 112)
        call(158, "getgroups", 115, [v, .counted(lengthArgument: 0, scale: 4)])
        call(160, "uname")
        call(163, "getrlimit", 97, [v, .output(.bytes(16))])
        call(164, "setrlimit", 160, [v, .input(.bytes(16))])
        call(165, "getrusage", 98, [v, .output(.bytes(144))])
        call(167, "prctl")
        call(168, "getcpu", 309, [.output(.bytes(4)), .output(.bytes(4)), .omitted])
        call(172, "getpid", 39)
        call(173, "getppid", 110)
        call(174, "getuid", 102)
        call(175, "geteuid", 107)
        call(176, "getgid", 104)
        call(177, "getegid", 108)
        call(178, "gettid", 186)
        call(179, "sysinfo", 99, [.output(.bytes(112))])
        call(220, "clone")
        call(221, "execve")
        call(260, "wait4", 61, [v, .output(.bytes(4)), v, .output(.bytes(144))])
        call(261, "prlimit64", 302, [v, v, .input(.bytes(16)), .output(.bytes(16))])
        call(293, "rseq")
        call(435, "clone3")
        // Signals.
        call(129, "kill", 62, [v, v])
        call(130, "tkill", 200, [v, v])
        call(131, "tgkill", 234, [v, v, v])
        call(132, "sigaltstack")
        call(133, "rt_sigsuspend")
        call(134, "rt_sigaction")
        call(135, "rt_sigprocmask")
        call(136, "rt_sigpending")
        call(139, "rt_sigreturn")
        // Time.
        call(101, "nanosleep", 35, [.input(.bytes(16)), .output(.bytes(16))])
        call(102, "getitimer", 36, [v, .output(.bytes(32))])
        call(103, "setitimer", 38, [v, .input(.bytes(32)), .output(.bytes(32))])
        call(113, "clock_gettime", 228, [v, .output(.bytes(16))])
        call(114, "clock_getres", 229, [v, .output(.bytes(16))])
        call(115, "clock_nanosleep", 230, [v, v, .input(.bytes(16)), .output(.bytes(16))])
        call(169, "gettimeofday", 96, [.output(.bytes(16)), .output(.bytes(8))])
        call(278, "getrandom", 318, [.counted(lengthArgument: 1, scale: 1), v, v])
        // Memory.
        call(214, "brk")
        call(215, "munmap")
        call(216, "mremap")
        call(222, "mmap")
        call(226, "mprotect")
        call(227, "msync")
        call(233, "madvise")
        call(283, "membarrier")
        // RISC-V.
        call(258, "riscv_hwprobe")
        call(259, "riscv_flush_icache")
        return table
    }()

    static func name(_ number: Int) -> String { entries[number]?.name ?? "syscall_\(number)" }

    static func number(named name: String) -> Int? { entries.first { $0.value.name == name }?.key }
}
