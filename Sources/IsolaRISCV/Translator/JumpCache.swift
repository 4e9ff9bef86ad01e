import IsolaHost

/// Guest virtual pc -> host code of its unit, per fetch privilege: what
/// generated code probes inline (the lookup stub) to go from one unit to the
/// next without leaving host code.
///
/// A slot is 32 bytes: the guest pc (the tag; `empty` never matches, as pcs
/// are even), the unit's code address and the physical page the unit was made
/// from.
///
/// An entry is used only while the fetch TLB maps its pc's page to the entry's
/// physical page (the lookup checks both), so TLB flushes (`sfence.vma`, `satp`)
/// need not touch this cache: a remapped page simply stops matching, and the
/// first fetch after a flush refills the TLB once for the whole page.
final class JumpCache {
    static let slotCount = 16384
    /// slot = ((pc >> 1) ^ (pc >> highShift)) & slotMask: 32 KiB of straight code never
    /// collides with itself, and the higher bits spread the rest.
    static let highShift = 15
    static let slotMask = slotCount - 1
    /// An empty slot is all zeros: its physical page 0 is never RAM, so no fetch TLB entry matches it.
    static let empty: UInt64 = 0
    /// One table for each privilege encoding 0...3 (2 is never used).
    static let tableCount = 4
    /// UInt64 words per slot: tag, code, physical page, padding.
    static let slotWords = 4
    /// log2 of the slot's bytes.
    static let slotShift = 5
    static let tableWords = slotCount * slotWords

    /// Zero-filled on demand, so a hart pays host memory only for the slots it uses.
    private let mapping: MemoryMapping
    let storage: UnsafeMutablePointer<UInt64>
    /// Which tables may hold entries.
    private var used: UInt8 = 0
    /// The word offsets of the slots filled since the last flush, while they are few:
    /// a `fence.i` (Linux issues one for every executable page it maps) then empties
    /// just those. Giving the whole mapping back instead cost each flush a TLB
    /// shootdown and every later insert a zero-fill page fault: a fifth of a
    /// container's start, measured.
    private var filled: [Int32] = []
    /// More filled slots than this and a flush zeroes the used tables whole.
    static let filledLimit = 2048
    /// Whole-cache flushes so far (each makes every next unit a lookup miss once).
    private(set) var flushes = 0

    init() throws {
        mapping = try MemoryMapping(byteCount: JumpCache.tableCount * JumpCache.tableWords * 8)
        // SAFETY: the mapping is zero-filled, sized for every table, and lives as long as this object.
        storage = mapping.base.bindMemory(to: UInt64.self, capacity: JumpCache.tableCount * JumpCache.tableWords)
    }

    @inline(__always)
    static func slot(_ pc: UInt64) -> Int {
        Int(((pc >> 1) ^ (pc >> UInt64(highShift))) & UInt64(slotMask))
    }

    /// The table generated code probes while the hart fetches at `privilege`.
    func table(_ privilege: PrivilegeMode) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(storage + Int(privilege.rawValue) * JumpCache.tableWords)
    }

    @inline(__always)
    private func entry(_ pc: UInt64, _ privilege: PrivilegeMode) -> UnsafeMutablePointer<UInt64> {
        storage + Int(privilege.rawValue) * JumpCache.tableWords + JumpCache.slot(pc) * JumpCache.slotWords
    }

    /// The unit's code and physical page for `pc`, if the slot holds it.
    @inline(__always)
    func lookup(_ pc: UInt64, privilege: PrivilegeMode) -> (code: UInt64, physicalPage: UInt64)? {
        let p = entry(pc, privilege)
        return p[0] == pc ? (p[1], p[2]) : nil
    }

    func insert(_ pc: UInt64, code: UInt64, physicalPage: UInt64, privilege: PrivilegeMode) {
        used |= 1 << privilege.rawValue
        let p = entry(pc, privilege)
        if filled.count <= JumpCache.filledLimit, p[0] == JumpCache.empty {
            filled.append(Int32(truncatingIfNeeded: p - storage))
        }
        p[0] = pc
        p[1] = code
        p[2] = physicalPage
    }

    /// Drops the entry of each table if it still names `code` for `pc`.
    func remove(_ pc: UInt64, code: UInt64) {
        for t in 0..<JumpCache.tableCount where used & (1 << UInt8(t)) != 0 {
            let p = storage + t * JumpCache.tableWords + JumpCache.slot(pc) * JumpCache.slotWords
            if p[0] == pc && p[1] == code { p.update(repeating: 0, count: JumpCache.slotWords) }
        }
    }

    /// Empties every table; their memory stays, already paid for.
    func flushAll() {
        flushes += 1
        if filled.count <= JumpCache.filledLimit {
            // SAFETY: every offset was taken from a slot inside `storage` by `insert`.
            for offset in filled { (storage + Int(offset)).update(repeating: 0, count: JumpCache.slotWords) }
        } else {
            for t in 0..<JumpCache.tableCount where used & (1 << UInt8(t)) != 0 {
                // SAFETY: table t is tableWords words inside `storage`.
                (storage + t * JumpCache.tableWords).update(repeating: 0, count: JumpCache.tableWords)
            }
        }
        filled.removeAll(keepingCapacity: true)
        used = 0
    }

    /// Empties every table and gives their memory back to the host (an idle VM's trim).
    func release() {
        flushes += 1
        if used != 0 { mapping.discard(offset: 0, length: mapping.byteCount) }
        filled.removeAll()
        used = 0
    }
}
