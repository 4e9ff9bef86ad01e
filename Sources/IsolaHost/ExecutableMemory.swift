#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// Memory for generated machine code that is never writable and executable at
/// the same address: one shared anonymous mapping seen twice, a read-write view
/// that the code generator writes and a read-execute view that the CPU runs
/// (`mremap` with an old size of 0 maps the same pages again). Both views see
/// the same pages, so a patch written through one is executed through the other
/// at once. Pages cost host memory only once written, and `discard` gives them
/// back.
///
/// Shared anonymous memory rather than a memfd because the kernel names it
/// `/dev/zero`, which `perf` takes for anonymous memory and so resolves through
/// the `/tmp/perf-PID.map` file that names translated code; a memfd's view is a
/// file to `perf`, whose symbols it looks for in that (deleted) file.
public final class ExecutableMemory: @unchecked Sendable {
    // Sendable: the views are immutable; the owner (one hart's translator) decides
    // who writes what is inside them.
    /// Where the generator writes.
    public let writable: UnsafeMutableRawPointer
    /// Where the same bytes execute.
    public let executable: UnsafeRawPointer
    public let byteCount: Int

    /// Maps `byteCount` bytes (rounded up to whole pages) twice; throws when the
    /// host refuses executable memory (a hardened kernel, a sandbox).
    public init(byteCount requested: Int) throws {
        precondition(requested > 0, "executable memory must not be empty")
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let byteCount = (requested + page - 1) / page * page
        let (rw, rx) = try ExecutableMemory.views(of: ExecutableMemory.mapShared(byteCount), byteCount: byteCount, at: nil)
        writable = rw
        executable = UnsafeRawPointer(rx)
        self.byteCount = byteCount
    }

    /// New shared anonymous memory, read-write.
    private static func mapShared(_ byteCount: Int) throws -> UnsafeMutableRawPointer {
        let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let rw = mapped, rw != MAP_FAILED else {
            throw HostError.io(operation: "mmap (writable view)", path: "code cache", errno: errno)
        }
        return rw
    }

    /// The two views of the shared memory at `rw`; at `fixed` (the current views'
    /// addresses, which they replace) when given, `rw` moving to the writable one.
    private static func views(of rw: UnsafeMutableRawPointer, byteCount: Int,
                              at fixed: (UnsafeMutableRawPointer, UnsafeMutableRawPointer)?)
        throws -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer) {
        var rw = rw
        if let (oldRW, _) = fixed {
            // SAFETY: MREMAP_FIXED replaces exactly this object's own writable view.
            let moved = isola_mremap(rw, byteCount, byteCount, oldRW)
            guard let moved, moved != MAP_FAILED else {
                let code = errno
                munmap(rw, byteCount)
                throw HostError.io(operation: "mremap (writable view)", path: "code cache", errno: code)
            }
            rw = moved
        }
        // SAFETY: with an old size of 0 the shared pages are mapped again, at the old executable view when fixed.
        let second = isola_mremap(rw, 0, byteCount, fixed?.1)
        guard let rx = second, rx != MAP_FAILED else {
            let code = errno
            if fixed == nil { munmap(rw, byteCount) }
            throw HostError.io(operation: "mremap (executable view)", path: "code cache", errno: code)
        }
        guard mprotect(rx, byteCount, PROT_READ | PROT_EXEC) == 0 else {
            let code = errno
            if fixed == nil {
                munmap(rw, byteCount)
                munmap(rx, byteCount)
            }
            throw HostError.io(operation: "mprotect (executable view)", path: "code cache", errno: code)
        }
        return (rw, rx)
    }

    /// A copy of the memory for the child of a host fork, made just before it.
    ///
    /// Shared memory stays shared across a fork, and both processes go on writing
    /// theirs (new code, and patches to code already there), so neither may take its
    /// copy after the fork. The copy is made before, while only the forking thread
    /// writes here; the child maps it over its views (`adopt`) and the parent drops
    /// it (`release`).
    public struct ForkCopy {
        fileprivate let base: UnsafeMutableRawPointer
    }

    /// Copies the first `byteCount` bytes into new shared memory.
    public func copyForFork(keeping byteCount: Int) throws -> ForkCopy {
        let copy = try ExecutableMemory.mapShared(self.byteCount)
        // SAFETY: both ranges are at least `byteCount` long and do not overlap.
        copy.copyMemory(from: writable, byteCount: min(byteCount, self.byteCount))
        return ForkCopy(base: copy)
    }

    /// In the child: the copy replaces both views at the same addresses, so the code
    /// the child is running (it forked from inside a helper) stays where it is.
    public func adopt(_ copy: ForkCopy) throws {
        _ = try ExecutableMemory.views(of: copy.base, byteCount: byteCount,
                                       at: (writable, UnsafeMutableRawPointer(mutating: executable)))
    }

    /// In the parent, or when the fork failed: the copy is not needed.
    public func release(_ copy: ForkCopy) {
        munmap(copy.base, byteCount)
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
        guard offset < byteCount else { return }
        // SAFETY: the range lies inside the writable view; MADV_REMOVE frees the shared pages behind both views.
        _ = madvise(writable + offset, byteCount - offset, MADV_REMOVE)
    }

    deinit {
        munmap(writable, byteCount)
        munmap(UnsafeMutableRawPointer(mutating: executable), byteCount)
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
