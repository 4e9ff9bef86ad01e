#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HostOutput {
    /// Opens (creating or truncating) a file for console output.
    public static func file(_ path: String) throws -> HostOutput {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: path, errno: errno) }
        return HostOutput(fileDescriptor: fd)
    }

    /// Opens (creating it) a file to append to: a log that keeps what earlier runs wrote.
    public static func appending(_ path: String) throws -> HostOutput {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: path, errno: errno) }
        return HostOutput(fileDescriptor: fd)
    }

    /// Output that goes nowhere (`--console none`).
    public static let discard = HostOutput(fileDescriptor: -1)
}

extension HostOutput {
    /// Writes `bytes` to a new file at `path`, through a temporary name, so a failure leaves no half-written file.
    public static func write(_ bytes: [UInt8], toFile path: String) throws {
        let temporary = path + ".tmp"
        let out = try HostOutput.file(temporary)
        out.write(bytes)
        close(out.fileDescriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw HostError.io(operation: "rename", path: path, errno: code)
        }
    }
}
