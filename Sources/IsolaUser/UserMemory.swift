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
    /// Software bits of a leaf (the spec leaves bits 8-9 to the supervisor): the frame is
    /// shared (a file, another process, a System V segment), and the host maps it read-only,
    /// so no write permission may ever be given to it.
    static let sharedFrame: UInt64 = 1 << 8, readOnlyFrame: UInt64 = 1 << 9

    /// What a shared mapping's frames are shared with.
    public enum SharedBacking {
        /// Anonymous memory that the processes a fork makes keep sharing.
        case anonymous
        /// The file open at `descriptor`, from `offset`; `writable` when the host may map it so.
        case file(descriptor: Int32, offset: UInt64, writable: Bool)
        /// A System V shared memory segment.
        case segment(identifier: Int32, readOnly: Bool)
    }

    public let ram: GuestRAM
    /// The root page table's physical page number (for satp).
    public private(set) var rootPage: UInt64 = 0
    private var nextFrame: UInt64
    private var freeFrames = FramePool()
    private let lock = HostMutex()

    public init(frameBytes: UInt64 = 16 << 30) throws {
        ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: frameBytes)
        nextFrame = ram.basePhysicalAddress
        guard let root = allocateFrame() else { throw CoreError.invalidConfiguration(field: "memory", reason: "no frame for the page table") }
        rootPage = root >> 12
    }

    /// A zeroed physical page, or nil when the pool is exhausted. A page table
    /// (`forTable`), which lives as long as the process, comes from the fresh frames
    /// first, so it does not split the runs of freed frames that mappings reuse.
    private func allocateFrame(forTable: Bool = false) -> UInt64? {
        if !forTable, let frame = freeFrames.take() { return frame }
        if nextFrame + UserMemory.pageSize <= ram.endPhysicalAddress {
            defer { nextFrame += UserMemory.pageSize }
            return nextFrame  // fresh frames of the reservation read as zero
        }
        return freeFrames.take()
    }

    /// `length` bytes of contiguous fresh frames (a shared mapping is one host mapping), or nil.
    private func allocateRun(_ length: UInt64) -> UInt64? {
        guard length <= ram.endPhysicalAddress - nextFrame else { return nil }
        defer { nextFrame += length }
        return nextFrame
    }

    /// Gives frames back to the host (they read as zero when reused) and to the pool,
    /// one host call per run of contiguous frames. A frame outside RAM (a forged entry)
    /// never joins the pool, and one named twice joins it once.
    private func releaseFrames(_ frames: [UInt64]) {
        let runs = FramePool.runs(of: frames.filter { $0 % UserMemory.pageSize == 0 && ram.contains($0, length: UserMemory.pageSize) }.sorted())
        for run in runs { ram.discard(at: run.start, length: run.count * UserMemory.pageSize) }
        freeFrames.give(runs)
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
                guard create, let frame = allocateFrame(forTable: true) else { return nil }
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
        var reserved: (start: UInt64, count: UInt64) = (0, 0)
        // Frames taken for pages that turned out mapped already (or not reached) go back.
        defer { if reserved.count > 0 { freeFrames.give([reserved]) } }
        while va < start + length {
            // SAFETY: `pte` is an entry inside a checked table (see `leaf`).
            guard let pte = leaf(va, create: true) else { return false }
            if pte.pointee & UserMemory.valid == 0 {
                if reserved.count == 0 {
                    // Contiguous frames for the rest of the range where the pool has them.
                    reserved = freeFrames.take(upTo: (start + length - va) / UserMemory.pageSize) ?? (0, 0)
                }
                let frame: UInt64
                if reserved.count > 0 {
                    frame = reserved.start
                    reserved = (reserved.start + UserMemory.pageSize, reserved.count - 1)
                } else {
                    guard let fresh = allocateFrame() else { return false }
                    frame = fresh
                }
                // SAFETY: `pte` is the entry inside a checked table that `leaf` answered above.
                pte.pointee = (frame >> 12) << 10
            }
            let rights = pte.pointee & UserMemory.readOnlyFrame != 0 ? protection.subtracting(.write) : protection
            pte.pointee = (pte.pointee & ~0xFF) | rights.rawValue | UserMemory.valid | UserMemory.user
                | UserMemory.accessed | UserMemory.dirty
            va += UserMemory.pageSize
        }
        return true
    }

    public func unmap(_ start: UInt64, length: UInt64) {
        lock.withLock { unmapLocked(start, length: length) }
    }

    private func unmapLocked(_ start: UInt64, length: UInt64) {
        var frames: [UInt64] = []
        var va = start
        while va < start + length && va < UserMemory.userLimit {
            // SAFETY: `pte` is an entry inside a checked table (see `leaf`); `releaseFrames` refuses a frame outside RAM.
            if let pte = leaf(va, create: false), pte.pointee & UserMemory.valid != 0 {
                frames.append((pte.pointee >> 10) << 12)
                pte.pointee = 0
            }
            va += UserMemory.pageSize
        }
        releaseFrames(frames)
    }

    /// Maps `[start, start + length)` (page-aligned) to frames shared as `backing` says,
    /// replacing what was there. Answers 0 or the host's errno (nothing changes then).
    public func mapShared(_ start: UInt64, length: UInt64, protection: Protection, backing: SharedBacking) -> Int32 {
        lock.withLock {
            guard start % UserMemory.pageSize == 0, length > 0, length % UserMemory.pageSize == 0, start < UserMemory.userLimit,
                  length <= UserMemory.userLimit - start else { return 22 }
            guard let run = allocateRun(length) else { return 12 }
            let error: Int32
            var readOnly = false
            switch backing {
            case .anonymous:
                error = ram.mapShared(at: run, length: length, descriptor: nil, fileOffset: 0, writable: true)
            case let .file(descriptor, offset, writable):
                readOnly = !writable
                error = ram.mapShared(at: run, length: length, descriptor: descriptor, fileOffset: offset, writable: writable)
            case let .segment(identifier, segmentReadOnly):
                readOnly = segmentReadOnly
                error = ram.attachSegment(identifier, at: run, length: length, readOnly: segmentReadOnly)
            }
            guard error == 0 else {
                nextFrame -= length
                return error
            }
            unmapLocked(start, length: length)
            var rights = protection
            if readOnly { rights.remove(.write) }
            var offset: UInt64 = 0
            while offset < length {
                // SAFETY: `pte` is an entry inside a checked table (see `leaf`).
                guard let pte = leaf(start + offset, create: true) else {
                    unmapLocked(start, length: offset)
                    return 12
                }
                pte.pointee = ((run + offset) >> 12) << 10 | rights.rawValue | UserMemory.valid | UserMemory.user
                    | UserMemory.accessed | UserMemory.dirty | UserMemory.sharedFrame | (readOnly ? UserMemory.readOnlyFrame : 0)
                offset += UserMemory.pageSize
            }
            return 0
        }
    }

    /// MADV_DONTNEED on private pages: their frames go back to the host and read as
    /// zeros after; shared pages keep their contents, which belong to their file or segment.
    public func discardPrivate(_ start: UInt64, length: UInt64) {
        lock.withLock {
            var frames: [UInt64] = []
            forEachLeafLocked(from: start, to: start &+ length) { _, leaf in
                // SAFETY: an entry of a checked last-level table (see `forEachLeafLocked`); only read.
                if leaf.pointee & UserMemory.sharedFrame == 0 { frames.append((leaf.pointee >> 10) << 12) }
            }
            for run in FramePool.runs(of: frames) { ram.discard(at: run.start, length: run.count * UserMemory.pageSize) }
        }
    }

    /// Whether some page of the range is a shared frame the host maps read-only (so
    /// mprotect may not make it writable: EACCES, as Linux answers for a file opened read-only).
    public func holdsReadOnlyFrames(_ start: UInt64, length: UInt64) -> Bool {
        var found = false
        forEachLeaf(from: start, to: start &+ length) { _, pte in
            if pte & UserMemory.readOnlyFrame != 0 { found = true }
        }
        return found
    }

    /// The first frame of a shared mapping whose pages are all shared and contiguous
    /// (as `mapShared` made them), or nil.
    public func sharedRun(_ start: UInt64, length: UInt64) -> UInt64? {
        lock.withLock { sharedRunLocked(start, length: length) }
    }

    private func sharedRunLocked(_ start: UInt64, length: UInt64) -> UInt64? {
        var first: UInt64?
        var offset: UInt64 = 0
        while offset < length {
            // SAFETY: `leaf` answers entries inside checked tables; only their bits are read.
            guard let pte = leaf(start + offset, create: false)?.pointee, pte & UserMemory.valid != 0,
                  pte & UserMemory.sharedFrame != 0 else { return nil }
            let frame = (pte >> 10) << 12
            if first == nil { first = frame }
            guard frame == first! + offset else { return nil }
            offset += UserMemory.pageSize
        }
        return first
    }

    /// mremap of a shared mapping: its frames move to a new run of `newLength` bytes,
    /// which the host extends from the same file or anonymous memory, mapped at `to`
    /// (the old pages there go). 0 or the host's errno; nothing changes on a failure.
    public func moveShared(from: UInt64, length: UInt64, to: UInt64, newLength: UInt64) -> Int32 {
        lock.withLock {
            guard to % UserMemory.pageSize == 0, to < UserMemory.userLimit, newLength <= UserMemory.userLimit - to,
                  let old = sharedRunLocked(from, length: length) else { return 14 }
            // SAFETY: the first page's entry lies in a checked table; only its bits are read.
            let bits = (leaf(from, create: false)?.pointee ?? 0) & (0x3FF | UserMemory.readOnlyFrame)
            guard let run = allocateRun(newLength) else { return 12 }
            let error = ram.moveShared(from: old, length: length, to: run, newLength: newLength)
            guard error == 0 else {
                nextFrame -= newLength
                return error
            }
            // The old frames are private and zero again: they are ordinary free frames now.
            var offset: UInt64 = 0
            while offset < length {
                // SAFETY: as above; the entries are cleared without giving their frames back twice.
                if let pte = leaf(from + offset, create: false) { pte.pointee = 0 }
                offset += UserMemory.pageSize
            }
            freeFrames.give([(old, length / UserMemory.pageSize)])
            unmapLocked(to, length: newLength)
            offset = 0
            while offset < newLength {
                // SAFETY: `pte` is an entry inside a checked table (see `leaf`).
                guard let pte = leaf(to + offset, create: true) else { return 12 }
                pte.pointee = ((run + offset) >> 12) << 10 | bits
                offset += UserMemory.pageSize
            }
            return 0
        }
    }

    /// msync: the shared pages of the range written back to their files. 0 or the host's errno.
    public func synchronize(_ start: UInt64, length: UInt64, flags: Int32) -> Int32 {
        var frames: [UInt64] = []
        forEachLeaf(from: start, to: start &+ length) { _, pte in
            if pte & UserMemory.sharedFrame != 0 { frames.append((pte >> 10) << 12) }
        }
        for run in FramePool.runs(of: frames) {
            let error = ram.synchronize(at: run.start, length: run.count * UserMemory.pageSize, flags: flags)
            if error != 0 { return error }
        }
        return 0
    }

    /// Calls `body` with each mapped page of `[from, to)` and its leaf entry, in address
    /// order, skipping empty tables (so a walk of the whole space visits only what is mapped).
    public func forEachLeaf(from: UInt64 = 0, to: UInt64 = UserMemory.userLimit, _ body: (UInt64, UInt64) -> Void) {
        // SAFETY: each entry lies in a checked last-level table (see `forEachLeafLocked`); only read.
        lock.withLock { forEachLeafLocked(from: from, to: to) { body($0, $1.pointee) } }
    }

    /// The same with `lock` held, each leaf given as its entry (to read or change it).
    private func forEachLeafLocked(from: UInt64, to: UInt64, _ body: (UInt64, UnsafeMutablePointer<UInt64>) -> Void) {
        let end = min(to, UserMemory.userLimit)
        var va = from & ~(UserMemory.pageSize - 1)
        while va < end {
            var table = rootPage << 12
            var skipped = false
            for level in stride(from: 2, to: 0, by: -1) {
                let span: UInt64 = 1 << (12 + 9 * UInt64(level))
                // SAFETY: `table` is the root or a table checked against RAM below.
                let e = entry(table, (va >> (12 + 9 * UInt64(level))) & 511).pointee
                let next = (e >> 10) << 12
                if e & UserMemory.valid == 0 || !ram.contains(next, length: UserMemory.pageSize) {
                    va = (va & ~(span - 1)) + span
                    skipped = true
                    break
                }
                table = next
            }
            if skipped { continue }
            // SAFETY: as above: the last-level table was checked against RAM.
            let leaf = entry(table, (va >> 12) & 511)
            if leaf.pointee & UserMemory.valid != 0 { body(va, leaf) }
            va += UserMemory.pageSize
        }
    }

    /// Clears the dirty bit of every private page (the hart sets it again on a write,
    /// `hostAddress` on a kernel write): a vfork child's writes can then be found.
    func clearDirtyBits() {
        lock.withLock {
            forEachLeafLocked(from: 0, to: UserMemory.userLimit) { _, leaf in
                // SAFETY: an entry of a checked last-level table (see `forEachLeafLocked`).
                if leaf.pointee & UserMemory.sharedFrame == 0 { leaf.pointee &= ~UserMemory.dirty }
            }
        }
    }

    /// The private pages written since `clearDirtyBits`, in address order.
    func dirtyPages() -> [UInt64] {
        var pages: [UInt64] = []
        forEachLeaf { va, pte in
            if pte & (UserMemory.dirty | UserMemory.sharedFrame) == UserMemory.dirty { pages.append(va) }
        }
        return pages
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
            let rights = pte.pointee & UserMemory.readOnlyFrame != 0 ? protection.subtracting(.write) : protection
            pte.pointee = (pte.pointee & ~0xE) | rights.rawValue
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

    /// Whether every page of `[start, start + length)` is mapped.
    public func isMapped(_ start: UInt64, length: UInt64) -> Bool {
        stride(from: start, to: start &+ length, by: Int(UserMemory.pageSize)).allSatisfy(isMapped)
    }

    /// Whether some page of `[start, start + length)` is mapped.
    public func holdsMappings(_ start: UInt64, length: UInt64) -> Bool {
        stride(from: start, to: start &+ length, by: Int(UserMemory.pageSize)).contains(where: isMapped)
    }

    public func isMapped(_ va: UInt64) -> Bool {
        // SAFETY: as in `protection(of:)`.
        va < UserMemory.userLimit && (leaf(va, create: false)?.pointee ?? 0) & UserMemory.valid != 0
    }

    /// The host address of a user byte if the program could access it that way.
    func hostAddress(_ va: UInt64, write: Bool) -> UnsafeMutableRawPointer? {
        // SAFETY: `leaf` answers an entry inside a checked table; the frame it names is checked
        // against RAM here (an entry may be forged, see `leaf`), and va % pageSize stays in it.
        guard va < UserMemory.userLimit, let entry = leaf(va, create: false) else { return nil }
        let pte = entry.pointee
        guard pte & UserMemory.valid != 0, pte & (write ? Protection.write.rawValue : Protection.read.rawValue) != 0,
              ram.contains((pte >> 10) << 12, length: UserMemory.pageSize) else { return nil }
        // A kernel write dirties the page as the hart's would (only a vfork child clears the bit).
        if write && pte & UserMemory.dirty == 0 { entry.pointee = pte | UserMemory.dirty }
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

    /// Reads a mapped range whatever its protection (a vfork child's written pages).
    func readIgnoringProtection(_ va: UInt64, count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var done = 0
        while done < count {
            let address = va &+ UInt64(done)
            // SAFETY: as in `hostAddress`: the entry lies in a checked table, its frame is checked here.
            guard let pte = leaf(address, create: false)?.pointee, pte & UserMemory.valid != 0,
                  ram.contains((pte >> 10) << 12, length: UserMemory.pageSize) else { return nil }
            let n = min(count - done, Int(UserMemory.pageSize - address % UserMemory.pageSize))
            out += UnsafeRawBufferPointer(start: ram.hostPointer(((pte >> 10) << 12) + address % UserMemory.pageSize), count: n)
            done += n
        }
        return out
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
