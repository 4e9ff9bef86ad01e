#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes, and reads of a part, with errors that name the path.
public enum HostFile {
    /// Reads a regular file completely.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HostError.io(operation: "stat", path: path, errno: errno) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw HostError.io(operation: "read", path: path, errno: EISDIR)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, Int(st.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            // SAFETY: read(2) fills at most $0.count bytes of `chunk`, inside the closure.
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// Up to `count` bytes from the start of a file (to tell what kind of file it is).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        try readBytes(path, at: 0, count: count)
    }

    /// Up to `count` bytes of a file from `offset`; fewer where it ends (a log read
    /// from where the last read stopped).
    public static func readBytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        var filled = 0
        while filled < bytes.count {
            // SAFETY: pread(2) fills at most the `bytes.count - filled` bytes after `filled`, inside the closure.
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + filled }, $0.count - filled, off_t(offset) + off_t(filled)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[0..<filled])
    }

    /// Replaces `path` with `bytes` so that a crash leaves either the old file or the
    /// new one, never a mix: written to a temporary file beside it, synced, renamed.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: temporary, errno: errno) }
        var done = 0
        while done < bytes.count {
            // SAFETY: write(2) reads at most $0.count bytes of the slice, inside the closure.
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let failure = errno
                close(fd)
                unlink(temporary)
                throw HostError.io(operation: "write", path: temporary, errno: failure)
            }
            done += n
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            let failure = errno
            unlink(temporary)
            throw HostError.io(operation: "fsync", path: temporary, errno: failure)
        }
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw HostError.io(operation: "rename", path: path, errno: failure)
        }
    }

    /// Renames a file, replacing `to` (atomic within one file system).
    public static func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else { throw HostError.io(operation: "rename", path: to, errno: errno) }
    }

    /// Removes a file if it is there.
    public static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Sets a file's permission bits (a socket only its owner may use: 0o600).
    public static func setMode(_ path: String, _ mode: UInt32) {
        chmod(path, mode_t(mode))
    }

    /// Whether a path exists (of any type).
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether a path is a directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A file's size in bytes, or nil when it cannot be examined.
    public static func size(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_size) : nil
    }
}
