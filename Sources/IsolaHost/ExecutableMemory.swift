#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// Memory for generated machine code that is never writable and executable at
/// the same address: one anonymous file (memfd) mapped twice, a read-write view
/// that the code generator writes and a read-execute view that the CPU runs.
/// Both views see the same pages, so a patch written through one is executed
/// through the other at once. Pages cost host memory only once written, and
/// `discard` gives them back.
public final class ExecutableMemory: @unchecked Sendable {
    // Sendable: the views are immutable; the owner (one hart's translator) decides
    // who writes what is inside them.
    /// Where the generator writes.
    public let writable: UnsafeMutableRawPointer
    /// Where the same bytes execute.
    public let executable: UnsafeRawPointer
    public let byteCount: Int
    private var descriptor: Int32

    /// Maps `byteCount` bytes (rounded up to whole pages) twice; throws when the
    /// host refuses executable memory (a hardened kernel, a sandbox).
    public init(byteCount requested: Int) throws {
        precondition(requested > 0, "executable memory must not be empty")
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let byteCount = (requested + page - 1) / page * page
        let fd = isola_memfd_create("isola-code")
        guard fd >= 0 else { throw HostError.io(operation: "memfd_create", path: "isola-code", errno: -fd) }
        guard ftruncate(fd, off_t(byteCount)) == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "ftruncate", path: "isola-code", errno: code)
        }
        let rw = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let rw, rw != MAP_FAILED else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "mmap (writable view)", path: "isola-code", errno: code)
        }
        let rx = mmap(nil, byteCount, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0)
        guard let rx, rx != MAP_FAILED else {
            let code = errno
            munmap(rw, byteCount)
            close(fd)
            throw HostError.io(operation: "mmap (executable view)", path: "isola-code", errno: code)
        }
        writable = rw
        executable = UnsafeRawPointer(rx)
        self.byteCount = byteCount
        descriptor = fd
    }

    /// In the child of a fork: both views still map the parent's file, which the
    /// parent goes on writing. Copies the first `byteCount` bytes into a file of the
    /// child's own and maps it over both views at the same addresses, so code the
    /// child is running stays where it is. The parent only appends past what was in
    /// use at the fork, so the copied bytes are stable.
    public func detachFromParent(keeping byteCount: Int) throws {
        let fd = isola_memfd_create("isola-code")
        guard fd >= 0 else { throw HostError.io(operation: "memfd_create", path: "isola-code", errno: -fd) }
        guard ftruncate(fd, off_t(self.byteCount)) == 0 else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "ftruncate", path: "isola-code", errno: code)
        }
        var written = 0
        while written < byteCount {
            let n = pwrite(fd, writable + written, byteCount - written, off_t(written))
            guard n > 0 else {
                let code = errno
                close(fd)
                throw HostError.io(operation: "write", path: "isola-code", errno: code)
            }
            written += n
        }
        // SAFETY: MAP_FIXED replaces exactly this object's own two views.
        let rw = mmap(writable, self.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0)
        let rx = mmap(UnsafeMutableRawPointer(mutating: executable), self.byteCount, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0)
        guard rw != MAP_FAILED, rx != MAP_FAILED else {
            let code = errno
            close(fd)
            throw HostError.io(operation: "mmap", path: "isola-code", errno: code)
        }
        close(descriptor)
        descriptor = fd
    }

    /// The executable address of the byte at `offset`.
    @inline(__always)
    public func executableAddress(_ offset: Int) -> UnsafeRawPointer {
        executable + offset
    }

    /// Gives the pages from `offset` (page-aligned) to the end back to the host;
    /// they read as zeros afterwards.
    public func discard(from offset: Int = 0) {
        precondition(offset >= 0 && offset <= byteCount && offset % 4096 == 0)
        _ = isola_punch_hole(descriptor, Int64(offset), Int64(byteCount - offset))
    }

    /// Host pages of the code memory in use now (the file's allocated blocks).
    public var residentBytes: Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return 0 }
        return Int(status.st_blocks) * 512
    }

    deinit {
        munmap(writable, byteCount)
        munmap(UnsafeMutableRawPointer(mutating: executable), byteCount)
        close(descriptor)
    }
}

/// The process's C heap.
public enum HostHeap {
    /// Returns free heap memory to the host: after an idle VM drops its caches, the
    /// memory they held is freed but stays in malloc's arenas otherwise.
    public static func releaseFreeMemory() {
        _ = isola_release_free_heap()
    }
}
