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

/// Per-hart software TLBs: for each privilege level, direct-mapped tables for
/// reads, writes and fetches, so a privilege change only switches tables.
final class SoftTLB {
    static let entriesPerTable = 256
    static let indexMask: UInt64 = 255
    /// Tables: (privilege 0...3) x (read, write, fetch).
    private static let tableCount = 4 * 3

    let storage: UnsafeMutablePointer<TLBEntry>

    init() {
        let count = SoftTLB.tableCount * SoftTLB.entriesPerTable
        storage = .allocate(capacity: count)
        storage.initialize(repeating: TLBEntry(), count: count)
    }

    deinit {
        storage.deallocate()
    }

    /// The table for one privilege level and access kind.
    func table(privilege: PrivilegeMode, access: AccessType) -> UnsafeMutablePointer<TLBEntry> {
        storage + (Int(privilege.rawValue) * 3 + Int(access.rawValue)) * SoftTLB.entriesPerTable
    }

    func flushAll() {
        for i in 0..<(SoftTLB.tableCount * SoftTLB.entriesPerTable) {
            storage[i].tag = TLBEntry.invalid
        }
    }

    /// Drops every entry for one virtual page (`sfence.vma` with an address).
    func flush(virtualPage: UInt64) {
        let index = Int(virtualPage & SoftTLB.indexMask)
        for t in 0..<SoftTLB.tableCount where storage[t * SoftTLB.entriesPerTable + index].tag == virtualPage {
            storage[t * SoftTLB.entriesPerTable + index].tag = TLBEntry.invalid
        }
    }

    /// Drops entries of one access kind that map a physical page.
    func flush(physicalPage: UInt64, access: AccessType) {
        for p in 0..<4 {
            let base = storage + (p * 3 + Int(access.rawValue)) * SoftTLB.entriesPerTable
            for i in 0..<SoftTLB.entriesPerTable where base[i].tag != TLBEntry.invalid && base[i].physicalPage == physicalPage {
                base[i].tag = TLBEntry.invalid
            }
        }
    }

    /// Drops all fetch entries (decode-cache pages were recycled).
    func flushFetch() {
        for p in 0..<4 {
            let base = storage + (p * 3 + Int(AccessType.fetch.rawValue)) * SoftTLB.entriesPerTable
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
