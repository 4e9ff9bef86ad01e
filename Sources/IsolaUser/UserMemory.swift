import IsolaCore
import IsolaHost

/// A process's address space: an Sv39 page table the hart walks, over frames
/// taken from a reserved host region (`GuestRAM`, touched only where used).
/// The program sees only what is mapped, with the permissions it asked for; an
/// access anywhere else is a page fault the process VM turns into SIGSEGV, so a
/// wild pointer can never reach host memory outside the frames.
///
/// Threads of the program share one `UserMemory`: changes to the tables and the
/// frame pool (`map`, `unmap`, `protect`, `move`) take `lock`; lookups do not, and
/// whatever they race with, every frame they can reach lies inside the reservation.
public final class UserMemory: @unchecked Sendable {
    public static let pageSize: UInt64 = 4096
    /// The highest user address + 1: Sv39's lower half.
    public static let userLimit: UInt64 = 1 << 38

    /// PTE bits (privileged spec 4.3.1).
    public struct Protection: OptionSet, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let read = Protection(rawValue: 1 << 1)
        public static let write = Protection(rawValue: 1 << 2)
        public static let execute = Protection(rawValue: 1 << 3)
    }
    static let valid: UInt64 = 1, user: UInt64 = 1 << 4, accessed: UInt64 = 1 << 6, dirty: UInt64 = 1 << 7

    public let ram: GuestRAM
    /// The root page table's physical page number (for satp).
    public private(set) var rootPage: UInt64 = 0
    private var nextFrame: UInt64
    private var freeFrames: [UInt64] = []
    private let lock = HostMutex()

    public init(frameBytes: UInt64 = 16 << 30) throws {
        ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: frameBytes)
        nextFrame = ram.basePhysicalAddress
        guard let root = allocateFrame() else { throw CoreError.invalidConfiguration(field: "memory", reason: "no frame for the page table") }
        rootPage = root >> 12
    }

    /// A zeroed physical page, or nil when the pool is exhausted.
    private func allocateFrame() -> UInt64? {
        if let frame = freeFrames.popLast() { return frame }
        guard nextFrame + UserMemory.pageSize <= ram.endPhysicalAddress else { return nil }
        defer { nextFrame += UserMemory.pageSize }
        return nextFrame  // fresh frames of the reservation read as zero
    }

    private func releaseFrame(_ frame: UInt64) {
        // back to the host, zero when reused; a frame outside RAM (a forged entry) never joins the pool
        guard ram.discard(at: frame, length: UserMemory.pageSize) else { return }
        freeFrames.append(frame)
    }

    private func entry(_ table: UInt64, _ index: UInt64) -> UnsafeMutablePointer<UInt64> {
        // SAFETY: `table` is a page-aligned frame inside RAM (the root, or checked in `leaf`) and
        // index < 512, so the 8 bytes, 8-byte aligned, lie in it.
        ram.hostPointer(table + index * 8).assumingMemoryBound(to: UInt64.self)
    }

    /// The leaf PTE of a page, creating the intermediate tables when asked.
    private func leaf(_ va: UInt64, create: Bool) -> UnsafeMutablePointer<UInt64>? {
        var table = rootPage << 12
        for level in stride(from: 2, to: 0, by: -1) {
            let e = entry(table, (va >> (12 + 9 * UInt64(level))) & 511)
            // SAFETY: `e` is an entry of `table`, inside RAM (see `entry`).
            if e.pointee & UserMemory.valid == 0 {
                guard create, let frame = allocateFrame() else { return nil }
                e.pointee = (frame >> 12) << 10 | UserMemory.valid
            }
            table = (e.pointee >> 10) << 12
            // A table frame that was a data page may still be written through another thread's
            // stale TLB entry, so its entries can hold anything: a table outside RAM is no table.
            guard ram.contains(table, length: UserMemory.pageSize) else { return nil }
        }
        return entry(table, (va >> 12) & 511)
    }

    /// Maps `[start, start + length)` (page-aligned) to fresh zeroed frames; pages
    /// already mapped keep their contents and take the new protection.
    public func map(_ start: UInt64, length: UInt64, protection: Protection) -> Bool {
        lock.withLock { mapLocked(start, length: length, protection: protection) }
    }

    private func mapLocked(_ start: UInt64, length: UInt64, protection: Protection) -> Bool {
        guard start % UserMemory.pageSize == 0, start < UserMemory.userLimit,
              length <= UserMemory.userLimit - start else { return false }
        var va = start
        while va < start + length {
            // SAFETY: `pte` is an entry inside a checked table (see `leaf`).
            guard let pte = leaf(va, create: true) else { return false }
            if pte.pointee & UserMemory.valid == 0 {
                guard let frame = allocateFrame() else { return false }
                pte.pointee = (frame >> 12) << 10
            }
            pte.pointee = (pte.pointee & ~0x3FF) | protection.rawValue | UserMemory.valid | UserMemory.user
                | UserMemory.accessed | UserMemory.dirty
            va += UserMemory.pageSize
        }
        return true
    }

    public func unmap(_ start: UInt64, length: UInt64) {
        lock.withLock { unmapLocked(start, length: length) }
    }

    private func unmapLocked(_ start: UInt64, length: UInt64) {
        var va = start
        while va < start + length && va < UserMemory.userLimit {
            // SAFETY: `pte` is an entry inside a checked table (see `leaf`); `releaseFrame` refuses a frame outside RAM.
            if let pte = leaf(va, create: false), pte.pointee & UserMemory.valid != 0 {
                releaseFrame((pte.pointee >> 10) << 12)
                pte.pointee = 0
            }
            va += UserMemory.pageSize
        }
    }

    /// Changes the protection of mapped pages; false if any page in the range is unmapped.
    public func protect(_ start: UInt64, length: UInt64, protection: Protection) -> Bool {
        lock.withLock { protectLocked(start, length: length, protection: protection) }
    }

    /// Moves the pages of `[from, from + length)` to `to` with their frames (mremap);
    /// whatever was mapped at the destination goes. False if a source page is unmapped.
    public func move(from: UInt64, length: UInt64, to: UInt64) -> Bool {
        lock.withLock {
            guard from % UserMemory.pageSize == 0, to % UserMemory.pageSize == 0,
                  from < UserMemory.userLimit, length <= UserMemory.userLimit - from,
                  to < UserMemory.userLimit, length <= UserMemory.userLimit - to else { return false }
            var offset: UInt64 = 0
            while offset < length {
                // SAFETY: `leaf` answers entries inside checked tables; the frames they name are checked where used.
                guard let pte = leaf(from + offset, create: false), pte.pointee & UserMemory.valid != 0 else { return false }
                offset += UserMemory.pageSize
            }
            unmapLocked(to, length: length)
            offset = 0
            while offset < length {
                // SAFETY: as above.
                guard let source = leaf(from + offset, create: false), let target = leaf(to + offset, create: true) else { return false }
                target.pointee = source.pointee
                source.pointee = 0
                offset += UserMemory.pageSize
            }
            return true
        }
    }

    private func protectLocked(_ start: UInt64, length: UInt64, protection: Protection) -> Bool {
        var va = start
        while va < start + length {
            // SAFETY: `pte` is an entry inside a checked table (see `leaf`).
            guard va < UserMemory.userLimit, let pte = leaf(va, create: false), pte.pointee & UserMemory.valid != 0 else { return false }
            pte.pointee = (pte.pointee & ~0xE) | protection.rawValue
            va += UserMemory.pageSize
        }
        return true
    }

    /// Runs `body` with the tables held still (fork copies them consistently).
    func withLock<T>(_ body: () -> T) -> T { lock.withLock(body) }

    /// The protection of a mapped page.
    public func protection(of va: UInt64) -> Protection? {
        // SAFETY: `leaf` answers an entry inside a checked table; only its bits are read.
        guard va < UserMemory.userLimit, let pte = leaf(va, create: false)?.pointee, pte & UserMemory.valid != 0 else { return nil }
        return Protection(rawValue: pte & 0xE)
    }

    public func isMapped(_ va: UInt64) -> Bool {
        // SAFETY: as in `protection(of:)`.
        va < UserMemory.userLimit && (leaf(va, create: false)?.pointee ?? 0) & UserMemory.valid != 0
    }

    /// The host address of a user byte if the program could access it that way.
    func hostAddress(_ va: UInt64, write: Bool) -> UnsafeMutableRawPointer? {
        // SAFETY: `leaf` answers an entry inside a checked table; the frame it names is checked
        // against RAM here (an entry may be forged, see `leaf`), and va % pageSize stays in it.
        guard va < UserMemory.userLimit, let pte = leaf(va, create: false)?.pointee, pte & UserMemory.valid != 0,
              pte & (write ? Protection.write.rawValue : Protection.read.rawValue) != 0,
              ram.contains((pte >> 10) << 12, length: UserMemory.pageSize) else { return nil }
        return ram.hostPointer(((pte >> 10) << 12) + va % UserMemory.pageSize)
    }

    /// Calls `body` with each host piece of a user range, page by page; false (EFAULT)
    /// if any page is unmapped or lacks the permission. `body` returns false to stop early.
    public func withHostPieces(_ va: UInt64, count: Int, write: Bool,
                               _ body: (UnsafeMutableRawPointer, Int) -> Bool) -> Bool {
        var done = 0
        while done < count {
            let address = va &+ UInt64(done)
            guard address >= va, let host = hostAddress(address, write: write) else { return false }
            let n = min(count - done, Int(UserMemory.pageSize - address % UserMemory.pageSize))
            if !body(host, n) { return true }
            done += n
        }
        return true
    }

    public func read(_ va: UInt64, count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        let ok = withHostPieces(va, count: count, write: false) { host, n in
            out += UnsafeRawBufferPointer(start: host, count: n)
            return true
        }
        return ok ? out : nil
    }

    public func write(_ bytes: [UInt8], at va: UInt64) -> Bool {
        var done = 0
        return withHostPieces(va, count: bytes.count, write: true) { host, n in
            // SAFETY: `host` is n bytes of mapped guest RAM (withHostPieces checked the
            // page); the slice is n bytes, so non-empty whenever there is a copy to do.
            bytes[done..<done + n].withUnsafeBytes { if let base = $0.baseAddress { host.copyMemory(from: base, byteCount: n) } }
            done += n
            return true
        }
    }

    /// Writes to the program's memory as the loader does, ignoring the page protection (read-only text).
    func load(_ bytes: ArraySlice<UInt8>, at va: UInt64) -> Bool {
        var done = 0
        while done < bytes.count {
            let address = va + UInt64(done)
            // SAFETY: as in `hostAddress`: the entry lies in a checked table, its frame is checked here.
            guard let pte = leaf(address, create: false)?.pointee, pte & UserMemory.valid != 0,
                  ram.contains((pte >> 10) << 12, length: UserMemory.pageSize) else { return false }
            let n = min(bytes.count - done, Int(UserMemory.pageSize - address % UserMemory.pageSize))
            let host = ram.hostPointer(((pte >> 10) << 12) + address % UserMemory.pageSize)
            // SAFETY: `host` points into the page the leaf entry maps, with n bytes left in it;
            // the slice is those n bytes of the segment.
            bytes[(bytes.startIndex + done)..<(bytes.startIndex + done + n)].withUnsafeBytes {
                if let base = $0.baseAddress { host.copyMemory(from: base, byteCount: n) }
            }
            done += n
        }
        return true
    }

    /// A NUL-terminated string as the program's bytes (at most `limit`, without the
    /// NUL), or nil on a fault or no terminator. Paths stay bytes: they need not be UTF-8.
    public func bytes(ofString va: UInt64, limit: Int = 4096) -> [UInt8]? {
        var bytes: [UInt8] = []
        var address = va
        while bytes.count < limit {
            guard let host = hostAddress(address, write: false) else { return nil }
            let n = Int(UserMemory.pageSize - address % UserMemory.pageSize)
            let piece = UnsafeRawBufferPointer(start: host, count: n)
            if let end = piece.firstIndex(of: 0) {
                bytes += piece[..<end]
                return bytes.count <= limit ? bytes : nil
            }
            bytes += piece
            address += UInt64(n)
        }
        return nil
    }

    /// A NUL-terminated string (at most `limit` bytes), or nil on a fault or no terminator.
    public func string(at va: UInt64, limit: Int = 4096) -> String? {
        bytes(ofString: va, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }
}
