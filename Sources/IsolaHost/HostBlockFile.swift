#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// A buffer of a vectored transfer: `count` bytes at `base`.
public struct IOSegment {
    public var base: UnsafeMutableRawPointer
    public var count: Int

    public init(base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }
}

/// A disk image file: positioned reads and writes and `fsync`, with errors that name the path.
public final class HostBlockFile: @unchecked Sendable {
    // Sendable: pread/pwrite are positioned, so concurrent use needs no shared offset.
    public let path: String
    public let readOnly: Bool
    /// The file's length when it was opened (a disk's size is fixed while it runs).
    public let byteCount: UInt64
    private let fd: Int32
    /// For mapping the file (MemoryMapping.mapPrivately).
    var descriptor: Int32 { fd }

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
        count == 0 || read(into: [IOSegment(base: buffer, count: count)], at: offset)
    }

    public func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        count == 0 || write(from: [IOSegment(base: UnsafeMutableRawPointer(mutating: buffer), count: count)], at: offset)
    }

    /// Reads exactly `buffer.count` bytes at `offset`; an empty buffer (which may have
    /// no base address at all) reads nothing and succeeds.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        return read(into: base, count: buffer.count, at: offset)
    }

    public func write(from buffer: UnsafeRawBufferPointer, at offset: UInt64) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        return write(from: base, count: buffer.count, at: offset)
    }

    /// Fills `bytes` from the file at `offset` (its length says how much to read).
    public func read(into bytes: inout [UInt8], at offset: UInt64) -> Bool {
        // SAFETY: the array's storage, only for the call; its count is how much is read.
        bytes.withUnsafeMutableBytes { read(into: $0, at: offset) }
    }

    // SAFETY: for both writes below, the storage is used only during the call, and its count bounds the write.
    public func write(_ bytes: [UInt8], at offset: UInt64) -> Bool {
        bytes.withUnsafeBytes { write(from: $0, at: offset) }
    }

    public func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) -> Bool {
        bytes.withUnsafeBytes { write(from: $0, at: offset) }
    }

    /// Reads consecutive file bytes at `offset` into several buffers with as few
    /// `preadv` calls as the kernel allows (one per request, usually); false on an
    /// error or a short read.
    public func read(into segments: [IOSegment], at offset: UInt64) -> Bool {
        transfer(segments, at: offset) { preadv(fd, $0, $1, $2) }
    }

    /// Writes several buffers to consecutive file bytes at `offset` (`pwritev`).
    public func write(from segments: [IOSegment], at offset: UInt64) -> Bool {
        transfer(segments, at: offset) { pwritev(fd, $0, $1, $2) }
    }

    /// IOV_MAX on Linux: the most buffers one preadv/pwritev takes.
    static let maxVectors = 1024

    private func transfer(_ segments: [IOSegment], at offset: UInt64,
                          _ call: (UnsafePointer<iovec>, Int32, off_t) -> Int) -> Bool {
        var vectors = segments.map { iovec(iov_base: $0.base, iov_len: $0.count) }
        var first = 0
        var position = off_t(offset)
        // SAFETY: `v` is used only inside the closure; an empty list transfers nothing.
        return vectors.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress else { return true }
            while first < v.count {
                // SAFETY: first < v.count: the call sees the vectors from `first` on, at most
                // IOV_MAX of them, all within the array; each points at a caller's buffer.
                let n = call(base + first, Int32(min(v.count - first, HostBlockFile.maxVectors)), position)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                position += off_t(n)
                // Skip the buffers the call filled and advance into a partly filled one.
                var left = n
                while first < v.count && left >= v[first].iov_len {
                    left -= v[first].iov_len
                    first += 1
                }
                if left > 0 {
                    v[first].iov_base = v[first].iov_base! + left
                    v[first].iov_len -= left
                }
            }
            return true
        }
    }

    /// Frees a byte range of the image (it reads as zeros afterwards); falls back to
    /// writing zeros where the file system cannot punch holes.
    public func discard(offset: UInt64, length: UInt64) -> Bool {
        if isola_punch_hole(fd, Int64(offset), Int64(length)) == 0 { return true }
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var done: UInt64 = 0
        while done < length {
            let n = Int(min(UInt64(zeros.count), length - done))
            guard write(zeros[0..<n], at: offset + done) else { return false }
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
