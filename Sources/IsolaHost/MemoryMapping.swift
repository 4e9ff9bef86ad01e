import CIsolaHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An anonymous, zero-filled host mapping that backs guest RAM or other large
/// lazily-touched tables; pages cost host memory only once written.
public final class MemoryMapping: @unchecked Sendable {
    // Sendable: the mapping itself is immutable; what is stored in it is the
    // owner's business (guest RAM is shared by harts on purpose).
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int
    /// Whether some range is a private mapping of a file (a restored snapshot's pages).
    private var hasFilePages = false

    public init(byteCount: Int) throws {
        precondition(byteCount > 0, "mapping must not be empty")
        let p = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else {
            throw HostError.outOfMemory(bytes: byteCount, errno: errno)
        }
        base = p
        self.byteCount = byteCount
    }

    /// Gives a page-aligned range back to the host; it reads as zeros afterwards.
    public func discard(offset: Int, length: Int) {
        // SAFETY: the range is checked to lie inside this mapping.
        precondition(offset >= 0 && length >= 0 && offset + length <= byteCount)
        if hasFilePages {
            // MADV_DONTNEED on a private file mapping would bring the file's bytes back,
            // not zeros: replace the range with fresh anonymous memory instead.
            _ = mmap(base + offset, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
        } else {
            _ = madvise(base + offset, length, MADV_DONTNEED)
        }
    }

    /// Maps `length` bytes of `file` at `fileOffset` over `[offset, offset + length)`,
    /// copy-on-write: the pages are shared with the page cache (and with every other
    /// mapping of the same file) until written, and writes never reach the file.
    public func mapPrivately(_ file: HostBlockFile, fileOffset: UInt64, at offset: Int, length: Int) throws {
        // SAFETY: the range is checked to lie inside this mapping, so MAP_FIXED replaces only our own pages.
        precondition(offset >= 0 && length > 0 && offset + length <= byteCount && offset % 4096 == 0 && fileOffset % 4096 == 0)
        // Read-only and populated first: the page-cache pages are mapped in one call, shared,
        // instead of faulting in one by one; writable afterwards, so a guest write copies its page.
        let p = mmap(base + offset, length, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE | MemoryMapping.populate,
                     file.descriptor, off_t(fileOffset))
        guard let p, p != MAP_FAILED else { throw HostError.io(operation: "map", path: file.path, errno: errno) }
        guard mprotect(p, length, PROT_READ | PROT_WRITE) == 0 else { throw HostError.io(operation: "mprotect", path: file.path, errno: errno) }
        hasFilePages = true
    }

    /// Maps `[offset, offset + length)` shared (MAP_SHARED): `length` bytes of the file
    /// open at `descriptor` from `fileOffset`, or anonymous memory when it is nil, which
    /// a host fork keeps shared with the child. Answers 0 or the host's errno.
    public func mapShared(descriptor: Int32?, fileOffset: UInt64, at offset: Int, length: Int, writable: Bool) -> Int32 {
        // SAFETY: the range is checked to lie inside this mapping, so MAP_FIXED replaces only our own pages.
        precondition(offset >= 0 && length > 0 && offset + length <= byteCount && offset % 4096 == 0)
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        let flags = MAP_SHARED | MAP_FIXED | (descriptor == nil ? MAP_ANONYMOUS : 0)
        let p = mmap(base + offset, length, protection, flags, descriptor ?? -1, off_t(truncatingIfNeeded: fileOffset))
        guard let p, p != MAP_FAILED else { return errno }
        hasFilePages = true
        return 0
    }

    /// Attaches the System V shared memory segment `identifier` at `offset` (shmat with
    /// SHM_REMAP, over our own pages). Answers 0 or the host's errno.
    public func attachSegment(_ identifier: Int32, at offset: Int, readOnly: Bool) -> Int32 {
        precondition(offset >= 0 && offset < byteCount && offset % 4096 == 0)
        // SAFETY: the address lies inside this mapping; SHM_REMAP replaces only our own pages
        // (the caller checked the segment's size against the mapping).
        let p = shmat(identifier, base + offset, (readOnly ? SHM_RDONLY : 0) | 0o40000)  // SHM_REMAP
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else { return errno }
        hasFilePages = true
        return 0
    }

    /// Moves a shared range to `to`, growing or shrinking it (the host's mremap, which
    /// extends a file or anonymous shared mapping in place of its old pages); the old
    /// range becomes fresh private memory. Answers 0 or the host's errno.
    public func moveShared(from: Int, length: Int, to: Int, newLength: Int) -> Int32 {
        precondition(from >= 0 && from + length <= byteCount && to >= 0 && to + newLength <= byteCount)
        // SAFETY: both ranges lie inside this mapping; MREMAP_FIXED replaces only our own pages.
        let p = isola_mremap(base + from, length, newLength, base + to)
        guard let p, p != MAP_FAILED else { return errno }
        // SAFETY: the source range lies inside this mapping, now a hole that must be ours again.
        _ = mmap(base + from, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
        return 0
    }

    /// msync over a shared range. Answers 0 or the host's errno.
    public func synchronize(offset: Int, length: Int, flags: Int32) -> Int32 {
        precondition(offset >= 0 && offset + length <= byteCount && offset % 4096 == 0)
        // SAFETY: the range lies inside this mapping.
        return msync(base + offset, length, flags) == 0 ? 0 : errno
    }

    /// Makes the process VM's shared file pages past their file's end zero pages and a
    /// SIGBUS for the program, not a crash of Isola (`isola_guard_shared_pages`).
    public func guardSharedPages() {
        _ = isola_guard_shared_pages(base, byteCount)
    }

    /// MAP_POPULATE where the host has it (Linux); elsewhere pages fault in one by one.
    #if os(Linux)
    static let populate = MAP_POPULATE
    #else
    static let populate: Int32 = 0
    #endif

    /// Bytes of the mapping that are in host memory now (mincore): the guest RAM a VM
    /// has touched, which the hypervisor subtracts from a worker's footprint.
    public var residentBytes: Int {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (byteCount + pageSize - 1) / pageSize)
        guard mincore(base, byteCount, &vector) == 0 else { return 0 }
        return vector.reduce(0) { $0 + Int($1 & 1) } * pageSize
    }

    deinit {
        munmap(base, byteCount)
    }
}
