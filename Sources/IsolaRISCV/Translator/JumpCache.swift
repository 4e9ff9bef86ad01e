/// Guest virtual pc -> host code of its unit, per fetch privilege: what
/// generated code probes inline (the lookup stub) to go from one unit to the
/// next without leaving host code.
///
/// A slot is 16 bytes: the guest pc (the tag; `empty` never matches, as pcs
/// are even) and the unit's code address. The slot of a pc takes 6 bits from
/// its page and 6 from its offset, so the slots of one page are 64 known ones
/// and `sfence.vma` of one page clears just those (QEMU's tb_jmp_cache does the same).
/// An entry is valid while the fetch TLB would map the pc the same way: the
/// cache is flushed wherever the fetch TLB is.
final class JumpCache {
    static let slotCount = 4096
    static let pageShift = 6          // (pc >> 6) & 0xFC0: page bits 12...17 to slot bits 6...11
    static let pageMask = 0xFC0
    static let offsetMask = 0x3F      // (pc >> 1) & 0x3F: offset bits 1...6 to slot bits 0...5
    static let empty: UInt64 = .max
    /// One table for each privilege encoding 0...3 (2 is never used).
    static let tableCount = 4

    let storage: UnsafeMutablePointer<UInt64>
    /// Which tables may hold entries.
    private var used: UInt8 = 0

    init() {
        storage = .allocate(capacity: JumpCache.tableCount * JumpCache.slotCount * 2)
        for i in 0..<(JumpCache.tableCount * JumpCache.slotCount) {
            storage[2 * i] = JumpCache.empty
            storage[2 * i + 1] = 0
        }
    }

    deinit { storage.deallocate() }

    @inline(__always)
    static func slot(_ pc: UInt64) -> Int {
        Int(((pc >> UInt64(pageShift)) & UInt64(pageMask)) | ((pc >> 1) & UInt64(offsetMask)))
    }

    /// The table generated code probes while the hart fetches at `privilege`.
    func table(_ privilege: PrivilegeMode) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(storage + Int(privilege.rawValue) * JumpCache.slotCount * 2)
    }

    @inline(__always)
    func lookup(_ pc: UInt64, privilege: PrivilegeMode) -> UInt64? {
        let p = storage + (Int(privilege.rawValue) * JumpCache.slotCount + JumpCache.slot(pc)) * 2
        return p[0] == pc ? p[1] : nil
    }

    func insert(_ pc: UInt64, code: UInt64, privilege: PrivilegeMode) {
        used |= 1 << privilege.rawValue
        let p = storage + (Int(privilege.rawValue) * JumpCache.slotCount + JumpCache.slot(pc)) * 2
        p[0] = pc
        p[1] = code
    }

    /// Drops one entry of each table if it still names `code` for `pc`.
    func remove(_ pc: UInt64, code: UInt64) {
        for t in 0..<JumpCache.tableCount where used & (1 << UInt8(t)) != 0 {
            let p = storage + (t * JumpCache.slotCount + JumpCache.slot(pc)) * 2
            if p[0] == pc && p[1] == code { p[0] = JumpCache.empty }
        }
    }

    func flushAll() {
        for t in 0..<JumpCache.tableCount where used & (1 << UInt8(t)) != 0 {
            let base = storage + t * JumpCache.slotCount * 2
            for i in 0..<JumpCache.slotCount { base[2 * i] = JumpCache.empty }
        }
        used = 0
    }

    /// Drops every entry for pcs on one virtual page.
    func flush(virtualPage vpn: UInt64) {
        let first = JumpCache.slot(vpn << 12)
        for t in 0..<JumpCache.tableCount where used & (1 << UInt8(t)) != 0 {
            let base = storage + t * JumpCache.slotCount * 2
            for s in first..<(first + JumpCache.offsetMask + 1) where base[2 * s] >> 12 == vpn {
                base[2 * s] = JumpCache.empty
            }
        }
    }
}
