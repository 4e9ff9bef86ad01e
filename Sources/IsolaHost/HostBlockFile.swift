#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A disk image file: positioned reads and writes and `fsync`, with errors that name the path.
public final class HostBlockFile: @unchecked Sendable {
    // Sendable: pread/pwrite are positioned, so concurrent use needs no shared offset.
    public let path: String
    public let readOnly: Bool
    public let byteCount: UInt64
    private let fd: Int32

    public init(path: String, readOnly: Bool) throws {
        let fd = open(path, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC)
        guard fd >= 0 else { throw HostError.io(operation: "open", path: path, errno: errno) }
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

    /// Makes written data durable (the guest's flush).
    public func synchronize() -> Bool {
        fsync(fd) == 0
    }
}
