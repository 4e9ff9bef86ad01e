/// One software TLB entry: a virtual page mapped straight to host memory.
///
/// A hit costs one compare and one add (`hostAddress = va &+ addend`),
/// TinyEMU-style. MMIO pages never get entries; they always take the slow path.
struct TLBEntry {
    /// Virtual page number, or `TLBEntry.invalid`.
    var tag: UInt64 = TLBEntry.invalid
    /// Host address of the page minus its virtual address (wrapping).
    var addend: UInt64 = 0
    /// For fetch entries: the decode-cache page of this physical page.
    var decoded: UnsafeMutablePointer<DecodedInstruction>? = nil
    /// Guest physical page number, to find entries when a page changes role.
    var physicalPage: UInt64 = 0

    static let invalid: UInt64 = .max
}

/// Per-hart software TLBs: direct-mapped tables for reads and writes per data
/// privilege and per setting of mstatus.SUM and MXR, and for fetches per
/// privilege. A privilege change, or a kernel toggling SUM around every access to
/// user memory, only switches tables; entries stay valid because each table
/// caches permissions under one setting only.
final class SoftTLB {
    static let entriesPerTable = 256
    static let indexMask: UInt64 = 255
    /// Tables: (privilege 0...3) x (SUM, MXR variant 0...3) x (read, write), then fetch x (privilege 0...3).
    private static let fetchBase = 4 * 4 * 2
    private static let tableCount = fetchBase + 4

    let storage: UnsafeMutablePointer<TLBEntry>
    /// Which tables may hold entries since the last full flush, so a flush clears only those.
    private var used: UInt64 = 0

    init() {
        let count = SoftTLB.tableCount * SoftTLB.entriesPerTable
        storage = .allocate(capacity: count)
        storage.initialize(repeating: TLBEntry(), count: count)
    }

    deinit {
        storage.deallocate()
    }

    private static func index(privilege: PrivilegeMode, access: AccessType, variant: Int) -> Int {
        access == .fetch ? fetchBase + Int(privilege.rawValue)
            : (Int(privilege.rawValue) * 4 + variant) * 2 + Int(access.rawValue)
    }

    /// The table for one privilege level and access kind; `variant` is SUM | MXR << 1
    /// for data accesses (fetches ignore both).
    func table(privilege: PrivilegeMode, access: AccessType, variant: Int = 0) -> UnsafeMutablePointer<TLBEntry> {
        let i = SoftTLB.index(privilege: privilege, access: access, variant: variant)
        used |= 1 << UInt64(i)
        return storage + i * SoftTLB.entriesPerTable
    }

    /// Calls `body` with each table that may hold entries, optionally only of one access kind.
    private func forEachUsedTable(_ access: AccessType? = nil, _ body: (UnsafeMutablePointer<TLBEntry>) -> Void) {
        var mask = used
        while mask != 0 {
            let t = mask.trailingZeroBitCount
            mask &= mask - 1
            let kind: AccessType = t >= SoftTLB.fetchBase ? .fetch : (t & 1 == 0 ? .read : .write)
            if access == nil || access == kind { body(storage + t * SoftTLB.entriesPerTable) }
        }
    }

    /// Empties every table; `current` lists the tables the hart points at now, which stay marked used.
    func flushAll(keeping current: [UnsafeMutablePointer<TLBEntry>]) {
        forEachUsedTable { base in
            for i in 0..<SoftTLB.entriesPerTable { base[i].tag = TLBEntry.invalid }
        }
        used = 0
        for table in current { used |= 1 << UInt64((table - storage) / SoftTLB.entriesPerTable) }
    }

    /// Drops every entry for one virtual page (`sfence.vma` with an address).
    func flush(virtualPage: UInt64) {
        let index = Int(virtualPage & SoftTLB.indexMask)
        forEachUsedTable { base in
            if base[index].tag == virtualPage { base[index].tag = TLBEntry.invalid }
        }
    }

    /// Drops entries of one access kind that map a physical page.
    func flush(physicalPage: UInt64, access: AccessType) {
        forEachUsedTable(access) { base in
            for i in 0..<SoftTLB.entriesPerTable where base[i].tag != TLBEntry.invalid && base[i].physicalPage == physicalPage {
                base[i].tag = TLBEntry.invalid
            }
        }
    }

    /// Drops all fetch entries (decode-cache pages were recycled).
    func flushFetch() {
        forEachUsedTable(.fetch) { base in
            for i in 0..<SoftTLB.entriesPerTable { base[i].tag = TLBEntry.invalid }
        }
    }
}

/// The kind of a memory access, which decides permissions and fault causes.
public enum AccessType: UInt8, Sendable {
    case read = 0
    case write = 1
    case fetch = 2

    var pageFault: UInt64 {
        switch self {
        case .read: return ExceptionCause.loadPageFault.rawValue
        case .write: return ExceptionCause.storePageFault.rawValue
        case .fetch: return ExceptionCause.instructionPageFault.rawValue
        }
    }

    var accessFault: UInt64 {
        switch self {
        case .read: return ExceptionCause.loadAccessFault.rawValue
        case .write: return ExceptionCause.storeAccessFault.rawValue
        case .fetch: return ExceptionCause.instructionAccessFault.rawValue
        }
    }
}
