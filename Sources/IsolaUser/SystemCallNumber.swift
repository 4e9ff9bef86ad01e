/// riscv64 Linux system call numbers (asm-generic/unistd.h), with names for `--strace`.
enum SystemCallNumber {
    static let names: [Int: String] = [
        17: "getcwd", 23: "dup", 24: "dup3", 25: "fcntl", 29: "ioctl", 34: "mkdirat", 35: "unlinkat", 38: "renameat",
        48: "faccessat", 49: "chdir", 56: "openat", 57: "close", 59: "pipe2", 61: "getdents64", 62: "lseek", 63: "read",
        64: "write", 65: "readv", 66: "writev", 67: "pread64", 68: "pwrite64", 78: "readlinkat", 79: "newfstatat",
        80: "fstat", 93: "exit", 94: "exit_group", 96: "set_tid_address", 98: "futex", 99: "set_robust_list",
        101: "nanosleep", 113: "clock_gettime", 124: "sched_yield", 129: "kill", 131: "tgkill", 134: "rt_sigaction",
        135: "rt_sigprocmask", 160: "uname", 163: "getrlimit", 166: "umask", 169: "gettimeofday", 172: "getpid",
        173: "getppid", 174: "getuid", 175: "geteuid", 176: "getgid", 177: "getegid", 178: "gettid", 179: "sysinfo",
        214: "brk", 215: "munmap", 216: "mremap", 222: "mmap", 226: "mprotect", 233: "madvise", 258: "riscv_hwprobe",
        261: "prlimit64", 276: "renameat2", 278: "getrandom", 291: "statx", 293: "rseq", 439: "faccessat2",
    ]

    static func name(_ number: Int) -> String { names[number] ?? "syscall_\(number)" }

    static func number(named name: String) -> Int? { names.first { $0.value == name }?.key }
}
