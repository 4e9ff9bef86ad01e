#if canImport(Glibc)
import Glibc
#endif
import CIsolaHost

/// Child processes: the hypervisor runs each VM in a worker process of its own, so
/// that a crash of one VM — even a SIGKILL of its worker — takes no other VM down.
extension HostProcess {
    /// How a child process ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(status: Int32)
        case signaled(signal: Int32)

        public var description: String {
            switch self {
            case let .exited(status): return "exited with status \(status)"
            case let .signaled(signal): return "killed by signal \(signal) (\(HostProcess.signalName(signal)))"
            }
        }
    }

    /// This process's id.
    public static var currentID: Int32 { getpid() }

    /// This program's own executable, to re-execute it as a worker.
    public static func currentExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw HostError.io(operation: "readlink", path: "/proc/self/exe", errno: errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `executable` with `arguments` (the first is its name) in a process group
    /// of its own, standard input from /dev/null and standard output and error
    /// appended to `log`. Answers its pid.
    public static func spawn(_ executable: String, arguments: [String], log: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The worker starts with default signal handling and an empty mask, whatever the
        // supervisor's threads block.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        // A process group of its own: a Ctrl-C at the supervisor's terminal is the
        // supervisor's to handle (it stops its workers), not each worker's.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw HostError.io(operation: "spawn", path: executable, errno: rc) }
        return pid
    }

    /// Starts `executable` in a session of its own (it outlives the caller, as a
    /// container's worker outlives `isola-runtime create`), its descriptors 0, 1, 2, ...
    /// being `descriptors` in order; every other descriptor it inherits is closed on exec.
    public static func spawnSession(_ executable: String, arguments: [String], descriptors: [Int32]) throws -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let pid = isola_spawn_session(executable, argv, descriptors, Int32(descriptors.count))
        guard pid > 0 else { throw HostError.io(operation: "spawn", path: executable, errno: -pid) }
        return pid
    }

    /// When process `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat):
    /// with the pid it names one process, even after the pid is reused. Nil if it is gone.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let bytes = try? HostFile.readAll("/proc/\(pid)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // After the command's ")": state is field 3, starttime field 22.
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// Whether process `pid` exists (and is not a zombie waiting to be reaped).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let bytes = try? HostFile.readAll("/proc/\(pid)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < bytes.count else { return true }
        return bytes[close + 2] != UInt8(ascii: "Z")
    }

    /// Waits for child `pid` to end (blocking the calling thread) and reaps it.
    public static func waitForExit(_ pid: Int32) throws -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw HostError.io(operation: "waitpid", path: "process \(pid)", errno: errno) }
        }
        let signal = status & 0x7F
        return signal == 0 ? .exited(status: (status >> 8) & 0xFF) : .signaled(signal: signal)
    }

    /// Sends `signal` to process `pid`; false if it no longer exists.
    @discardableResult
    public static func send(_ signal: Int32, to pid: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// Makes the kernel kill this process when its parent exits, so a worker never
    /// outlives its hypervisor. False if the parent is already gone.
    public static func dieWithParent() -> Bool {
        isola_die_with_parent() == 0
    }

    public static let SIGKILL: Int32 = systemKillSignal

    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
                                      8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
                                      14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"]
        return names[signal] ?? "signal \(signal)"
    }
}
