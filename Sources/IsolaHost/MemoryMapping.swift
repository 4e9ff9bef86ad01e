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
        _ = madvise(base + offset, length, MADV_DONTNEED)
    }

    deinit {
        munmap(base, byteCount)
    }
}
