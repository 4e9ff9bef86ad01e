#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// A disk image file: positioned reads and writes and `fsync`, with errors that name the path.
public final class HostBlockFile: @unchecked Sendable {
    // Sendable: pread/pwrite are positioned, so concurrent use needs no shared offset.
    public let path: String
    public let readOnly: Bool
    /// The file's length when it was opened (a disk's size is fixed while it runs).
    public let byteCount: UInt64
    private let fd: Int32

    public convenience init(path: String, readOnly: Bool) throws {
        try self.init(path: path, flags: (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, readOnly: readOnly)
    }

    /// Creates a new, empty image file; refuses to replace one that exists.
    public static func create(path: String) throws -> HostBlockFile {
        try HostBlockFile(path: path, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, readOnly: false)
    }

    private init(path: String, flags: Int32, readOnly: Bool) throws {
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            throw HostError.io(operation: flags & O_CREAT != 0 ? "create" : "open", path: path, errno: errno)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "stat", path: path, errno: code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFBLK else {
            close(fd)
            throw HostError.io(operation: "open disk", path: path, errno: EINVAL)
        }
        self.fd = fd
        self.path = path
        self.readOnly = readOnly
        byteCount = UInt64(lseek(fd, 0, SEEK_END))
    }

    deinit {
        close(fd)
    }

    /// Reads `count` bytes at `offset` into `buffer`; false on an I/O error or a short read.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    public func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = pwrite(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Frees a byte range of the image (it reads as zeros afterwards); falls back to
    /// writing zeros where the file system cannot punch holes.
    public func discard(offset: UInt64, length: UInt64) -> Bool {
        if isola_punch_hole(fd, Int64(offset), Int64(length)) == 0 { return true }
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var done: UInt64 = 0
        while done < length {
            let n = Int(min(UInt64(zeros.count), length - done))
            guard zeros.withUnsafeBytes({ write(from: $0.baseAddress!, count: n, at: offset + done) }) else { return false }
            done += UInt64(n)
        }
        return true
    }

    /// Sets the file's length (new bytes read as zeros).
    public func truncate(to length: UInt64) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw HostError.io(operation: "truncate", path: path, errno: errno) }
    }

    /// Removes a file, as a failed creation does to leave nothing half-written behind.
    public static func remove(path: String) {
        unlink(path)
    }

    /// Makes written data durable (the guest's flush).
    public func synchronize() -> Bool {
        fsync(fd) == 0
    }
}
