#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to its end with exactly the argument vector and environment given
/// (an OCI hook: `args` includes argv[0]), its standard input fed from bytes.
public enum HostCommand {
    public enum Result: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    public static func run(_ path: String, arguments: [String], environment: [String], input: [UInt8],
                           timeoutSeconds: Int?) throws -> Result {
        let (readEnd, writeEnd) = try HostDescriptor.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        HostDescriptor.close(readEnd)
        guard rc == 0 else {
            HostDescriptor.close(writeEnd)
            throw HostError.io(operation: "run", path: path, errno: rc)
        }
        // The state is small (a pipe holds it); a hook that does not read it must not block us.
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        let previous = signal(SIGPIPE, SIG_IGN)
        HostDescriptor.write(writeEnd, input)
        signal(SIGPIPE, previous)
        HostDescriptor.close(writeEnd)
        let deadline = timeoutSeconds.map { HostClock.monotonicNanoseconds() + UInt64($0) * 1_000_000_000 }
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { throw HostError.io(operation: "wait for", path: path, errno: errno) }
            if let deadline, HostClock.monotonicNanoseconds() >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return .timedOut
            }
            if deadline != nil { HostClock.sleep(nanoseconds: 10_000_000) }
        }
        let signalNumber = status & 0x7F
        return signalNumber == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signalNumber)
    }
}
