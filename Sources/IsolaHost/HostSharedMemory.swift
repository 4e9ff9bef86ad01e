#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Anonymous memory that stays shared with the processes a fork makes (MAP_SHARED),
/// for a parent and child to hand each other data the program never sees.
public final class HostSharedMemory: @unchecked Sendable {
    // Sendable: the mapping is fixed; what is stored in it is ordered by its users' atomics.
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int

    public init?(byteCount: Int) {
        let p = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        base = p
        self.byteCount = byteCount
    }

    deinit {
        munmap(base, byteCount)
    }
}
