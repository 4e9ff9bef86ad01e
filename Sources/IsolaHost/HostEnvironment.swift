#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment and identity.
public enum HostEnvironment {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    public static var userID: UInt32 { getuid() }
    public static var effectiveUserID: UInt32 { geteuid() }
    /// Every variable as NAME=VALUE bytes, as the process got them: a value that is not
    /// UTF-8 reaches the program unchanged.
    public static var allBytes: [[UInt8]] {
        var list: [[UInt8]] = []
        var p = environ
        // SAFETY: `environ` is the C runtime's NULL-terminated array of NUL-terminated strings; the loop stops at the NULL.
        while let entry = p.pointee {
            list.append(Array(UnsafeRawBufferPointer(start: entry, count: strlen(entry))))
            p += 1
        }
        return list
    }

    /// The process's arguments as bytes (CommandLine.arguments repairs what is not UTF-8).
    public static var argumentBytes: [[UInt8]] {
        // SAFETY: argv holds argc NUL-terminated strings for the life of the process.
        (0..<Int(CommandLine.argc)).map { i in
            CommandLine.unsafeArgv[i].map { Array(UnsafeRawBufferPointer(start: $0, count: strlen($0))) } ?? []
        }
    }

    public static var processID: Int32 { getpid() }
}

/// Runs host programs for the few tools that drive scripts (`isola images build`).
public enum HostProcess {
    /// The host CPUs online now.
    public static var onlineProcessors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Ends Isola with `status` the ordinary way: buffered output is flushed and exit
    /// handlers run (the command line's end).
    public static func exit(_ status: Int32) -> Never {
        systemExit(status)
    }

    /// Ends Isola at once with `status`, whatever its other threads are doing (a
    /// process VM's program called exit_group from one of its threads).
    public static func exitImmediately(_ status: Int32) -> Never {
        _exit(status)
    }

    /// Ends Isola by `signal` with its default action, so the shell sees what it would
    /// see of the program itself (a process VM's program killed by SIGSEGV).
    public static func terminate(bySignal number: Int32) -> Never {
        signal(number, SIG_DFL)
        raise(number)
        exit(128 + number)
    }

    /// Runs `path` with /bin/sh, its standard output discarded; returns its exit status.
    public static func runScript(_ path: String) -> Int32 {
        let quoted = "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let status = system(quoted + " >/dev/null")
        guard status != -1 else { return 127 }
        return (status >> 8) & 0xFF
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
