import IsolaCore
import IsolaHost

/// Loads, stores and fetches of the hart: a TLB hit is one compare and one add;
/// everything else (misses, page crossings, MMIO, watched pages) is the slow path.
extension Hart {
    /// The privilege data accesses use: MPP while MPRV is set in M-mode (privileged spec 3.1.6.3).
    @inline(__always)
    var dataPrivilege: PrivilegeMode {
        if privilege == .machine && mstatus & MStatus.mprv != 0 {
            return PrivilegeMode(rawValue: UInt8((mstatus >> MStatus.mppShift) & 3)) ?? .user
        }
        return privilege
    }

    /// Points the TLB tables at the current privilege levels and SUM/MXR; call after any change to them.
    func updateTranslationContext() {
        let data = dataPrivilege
        let variant = (mstatus & MStatus.sum != 0 ? 1 : 0) | (mstatus & MStatus.mxr != 0 ? 2 : 0)
        readTLB = tlb.table(privilege: data, access: .read, variant: variant)
        writeTLB = tlb.table(privilege: data, access: .write, variant: variant)
        fetchTLB = tlb.table(privilege: privilege, access: .fetch)
        // SAFETY: the block's pointer-sized `jumpCache` field; the table belongs to this hart's translator.
        state.jumpCache.pointee = translator?.jumpCache.table(privilege)
    }

    func flushTLB() {
        tlb.flushAll(keeping: [readTLB, writeTLB, fetchTLB])
        superpageCached = false
    }

    // MARK: Fast paths

    @inline(__always)
    func load<T: FixedWidthInteger>(_ va: UInt64, _: T.Type) -> T? {
        let vpn = va >> 12
        let e = readTLB[Int(vpn & SoftTLB.indexMask)]
        if _fastPath(e.tag == vpn && (va & 0xFFF) <= 4096 - UInt64(MemoryLayout<T>.size)) {
            return Hart.loadGuestRAM(UInt(va &+ e.addend), as: T.self)
        }
        guard let v = loadSlow(va, size: MemoryLayout<T>.size) else { return nil }
        return T(truncatingIfNeeded: v)
    }

    @inline(__always)
    func store<T: FixedWidthInteger>(_ va: UInt64, _ value: T) -> Bool {
        let vpn = va >> 12
        let e = writeTLB[Int(vpn & SoftTLB.indexMask)]
        if _fastPath(e.tag == vpn && (va & 0xFFF) <= 4096 - UInt64(MemoryLayout<T>.size)) {
            // Write entries exist only for RAM pages without decoded code.
            Hart.storeGuestRAM(UInt(va &+ e.addend), value)
            return true
        }
        return storeSlow(va, size: MemoryLayout<T>.size, value: UInt64(truncatingIfNeeded: value))
    }

    /// The hart's loads and stores of guest RAM through the TLB. They have names of their
    /// own so that a race detector can be told which accesses are the guest's own memory
    /// (whose races are the guest program's, under its memory model) and which are
    /// Isola's (Tests/tsan-suppressions.txt lists these, `loadRAM`/`storeRAM` and the AMOs).
    @inline(__always)
    static func loadGuestRAM<T: FixedWidthInteger>(_ host: UInt, as: T.Type) -> T {
        // SAFETY: `host` is a TLB entry's addend plus a guest address; TLB entries map only
        // pages inside guest RAM, and the caller checked that the access stays in the page.
        UnsafeRawPointer(bitPattern: host).unsafelyUnwrapped.loadUnaligned(as: T.self)
    }

    @inline(__always)
    static func storeGuestRAM<T: FixedWidthInteger>(_ host: UInt, _ value: T) {
        // SAFETY: as in `loadGuestRAM`, for a write entry of the TLB.
        UnsafeMutableRawPointer(bitPattern: host).unsafelyUnwrapped.storeBytes(of: value, as: T.self)
    }

    // MARK: Slow paths

    @inline(never)
    func loadSlow(_ va: UInt64, size: Int) -> UInt64? {
        if triggers.watched & TriggerModule.load != 0 && dataTriggerFires(TriggerModule.load, address: va, length: size) { return nil }
        if let debugger, debugger.watchesData, debuggerWatchStops(va, size: size, write: false) { return nil }
        if Int(va & 0xFFF) + size > 4096 {
            var value: UInt64 = 0
            for i in 0..<size {
                guard let byte = loadSlow(va &+ UInt64(i), size: 1) else { return nil }
                value |= byte << UInt64(8 * i)
            }
            return value
        }
        let priv = dataPrivilege
        guard let pa = translate(va, .read, priv) else { return nil }
        return physicalLoad(va: va, pa: pa, size: size, privilege: priv)
    }

    func physicalLoad(va: UInt64, pa: UInt64, size: Int, privilege priv: PrivilegeMode) -> UInt64? {
        guard pmp.allows(pa, length: UInt64(size), access: .read, privilege: priv) else {
            return fault(AccessType.read.accessFault, va)
        }
        let ram = machine.ram
        if ram.contains(pa, length: UInt64(size)) {
            fillDataTLB(va: va, pa: pa, access: .read, privilege: priv)
            return Hart.loadRAM(ram.hostPointer(pa), size: size)
        }
        guard let (device, offset, name) = machine.bus.find(pa, length: UInt64(size)) else {
            _ = machine.interposer.check(InterpositionEvent(.unmapped, "access", address: pa, bytes: UInt64(size), write: false))
            return fault(AccessType.read.accessFault, va)
        }
        guard machine.interposer.check(InterpositionEvent(.mmio, name, address: pa, bytes: UInt64(size), write: false)) == .allow else {
            return fault(AccessType.read.accessFault, va)
        }
        let raw = device.read(offset: offset, size: size)
        return size == 8 ? raw : raw & ((1 << UInt64(8 * size)) - 1)
    }

    @inline(never)
    func storeSlow(_ va: UInt64, size: Int, value: UInt64) -> Bool {
        if triggers.watched & TriggerModule.store != 0 && dataTriggerFires(TriggerModule.store, address: va, length: size) { return false }
        if let debugger, debugger.watchesData, debuggerWatchStops(va, size: size, write: true) { return false }
        if Int(va & 0xFFF) + size > 4096 {
            // Translate both pages first so a fault leaves memory untouched.
            let priv = dataPrivilege
            guard translate(va, .write, priv) != nil,
                  translate((va | 0xFFF) &+ 1, .write, priv) != nil else { return false }
            for i in 0..<size {
                guard storeSlow(va &+ UInt64(i), size: 1, value: value >> UInt64(8 * i)) else { return false }
            }
            return true
        }
        let priv = dataPrivilege
        guard let pa = translate(va, .write, priv) else { return false }
        return physicalStore(va: va, pa: pa, size: size, value: value, privilege: priv)
    }

    func physicalStore(va: UInt64, pa: UInt64, size: Int, value: UInt64, privilege priv: PrivilegeMode) -> Bool {
        guard pmp.allows(pa, length: UInt64(size), access: .write, privilege: priv) else {
            _ = fault(AccessType.write.accessFault, va)
            return false
        }
        let ram = machine.ram
        if ram.contains(pa, length: UInt64(size)) {
            let page = Int((pa - ram.basePhysicalAddress) >> 12)
            let flags = pageFlags[page]
            if flags & (PageFlag.code | PageFlag.translated) != 0 { invalidateDecoded(physicalAddress: pa, size: size) }
            if flags == 0 { fillDataTLB(va: va, pa: pa, access: .write, privilege: priv) }
            Hart.storeRAM(ram.hostPointer(pa), size: size, value: value)
            if flags & PageFlag.watched != 0 { machine.htif?.observeStore(physicalAddress: pa, hart: self) }
            return true
        }
        guard let (device, offset, name) = machine.bus.find(pa, length: UInt64(size)) else {
            _ = machine.interposer.check(InterpositionEvent(.unmapped, "access", address: pa, bytes: UInt64(size), write: true))
            _ = fault(AccessType.write.accessFault, va)
            return false
        }
        guard machine.interposer.check(InterpositionEvent(.mmio, name, address: pa, bytes: UInt64(size), write: true)) == .allow else {
            _ = fault(AccessType.write.accessFault, va)
            return false
        }
        device.write(offset: offset, size: size, value: value)
        return true
    }

    /// Caches a RAM page in the TLB when PMP treats the whole page alike, and no trigger
    /// or debugger watches data (its accesses must reach `loadSlow` and `storeSlow`).
    private func fillDataTLB(va: UInt64, pa: UInt64, access: AccessType, privilege priv: PrivilegeMode) {
        let pagePA = pa & ~0xFFF
        guard !watchesData, machine.ram.contains(pagePA, length: 4096),
              pmp.allows(pagePA, length: 4096, access: access, privilege: priv) else { return }
        let table = access == .read ? readTLB : writeTLB
        let vpn = va >> 12
        let host = UInt64(UInt(bitPattern: machine.ram.hostPointer(pagePA)))
        table[Int(vpn & SoftTLB.indexMask)] = TLBEntry(tag: vpn, addend: host &- (vpn << 12), decoded: nil, physicalPage: pagePA >> 12)
    }

    @inline(__always)
    static func loadRAM(_ p: UnsafeMutableRawPointer, size: Int) -> UInt64 {
        switch size {
        // SAFETY: callers pass `ram.hostPointer` of a range checked with `ram.contains(pa, length: size)`;
        // one byte needs no alignment, the wider loads are unaligned.
        case 1: return UInt64(p.load(as: UInt8.self))
        case 2: return UInt64(p.loadUnaligned(as: UInt16.self))
        case 4: return UInt64(p.loadUnaligned(as: UInt32.self))
        default: return p.loadUnaligned(as: UInt64.self)
        }
    }

    @inline(__always)
    static func storeRAM(_ p: UnsafeMutableRawPointer, size: Int, value: UInt64) {
        switch size {
        // SAFETY: as in `loadRAM`; storeBytes needs no alignment.
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
        default: p.storeBytes(of: value, as: UInt64.self)
        }
    }

    // MARK: Instruction fetch

    /// The TLB entry for fetching at `pc`, filling it (and the decode-cache slot) on a miss.
    @inline(__always)
    func fetchEntry(_ pc: UInt64) -> TLBEntry? {
        let vpn = pc >> 12
        let e = fetchTLB[Int(vpn & SoftTLB.indexMask)]
        if _fastPath(e.tag == vpn) { return e }
        return fetchSlow(pc)
    }

    @inline(never)
    func fetchSlow(_ pc: UInt64) -> TLBEntry? {
        guard let pa = translate(pc, .fetch, privilege) else { return nil }
        let pagePA = pa & ~0xFFF
        guard machine.ram.contains(pagePA, length: 4096),
              pmp.allows(pa, length: 2, access: .fetch, privilege: privilege) else {
            _ = fault(AccessType.fetch.accessFault, pc)
            return nil
        }
        let ppn = pagePA >> 12
        let (entries, evicted) = decodeCache.page(for: ppn, bytes: machine.ram.hostPointer(pagePA))
        if let evicted {
            // Only the evicted page's fetch entries point at the recycled slot.
            tlb.flush(physicalPage: evicted, access: .fetch)
            clearCodeFlag(physicalPage: evicted)
        }
        markCode(physicalPage: ppn)
        let vpn = pc >> 12
        let host = UInt64(UInt(bitPattern: machine.ram.hostPointer(pagePA)))
        let entry = TLBEntry(tag: vpn, addend: host &- (vpn << 12), decoded: entries, physicalPage: ppn)
        // A page PMP splits is fetched through the slow path every time.
        if pmp.allows(pagePA, length: 4096, access: .fetch, privilege: privilege) {
            fetchTLB[Int(vpn & SoftTLB.indexMask)] = entry
        }
        return entry
    }

    /// Notes that this hart caches decoded code on a page: its stores there must invalidate.
    private func markCode(physicalPage ppn: UInt64) {
        let page = Int(ppn - (machine.ram.basePhysicalAddress >> 12))
        if pageFlags[page] & PageFlag.code == 0 {
            pageFlags[page] |= PageFlag.code
            tlb.flush(physicalPage: ppn, access: .write)
        }
    }

    func clearCodeFlag(physicalPage ppn: UInt64) {
        let page = Int(ppn &- (machine.ram.basePhysicalAddress >> 12))
        guard page >= 0 && page < ramPageCount else { return }
        pageFlags[page] &= ~PageFlag.code
    }

    /// Notes that this hart holds translated code made from a page, which, like
    /// decoded code, makes its stores there take the slow path and invalidate.
    /// The flag outlives the page's decode-cache slot.
    func markTranslated(physicalPage ppn: UInt64) {
        let page = Int(ppn &- (machine.ram.basePhysicalAddress >> 12))
        guard page >= 0 && page < ramPageCount else { return }
        if pageFlags[page] == 0 { tlb.flush(physicalPage: ppn, access: .write) }
        pageFlags[page] |= PageFlag.translated
    }

    func clearTranslatedFlag(physicalPage ppn: UInt64) {
        let page = Int(ppn &- (machine.ram.basePhysicalAddress >> 12))
        guard page >= 0 && page < ramPageCount else { return }
        pageFlags[page] &= ~PageFlag.translated
    }

    /// Forgets decoded instructions and translated units that a store of `size` bytes
    /// at `pa` may have changed, including a 4-byte instruction that starts two bytes before it.
    func invalidateDecoded(physicalAddress pa: UInt64, size: Int) {
        if let translator, pageFlags[Int((pa - machine.ram.basePhysicalAddress) >> 12)] & PageFlag.translated != 0 {
            translator.invalidate(physicalAddress: pa, size: size, hart: self)
        }
        guard let entries = decodeCache.cachedPage(pa >> 12) else { return }
        let first = Int((pa & 0xFFF) >> 1)
        let last = Int(((pa & 0xFFF) + UInt64(size) - 1) >> 1)
        for i in max(0, first - 1)...min(last, DecodeCache.entriesPerPage - 1) {
            entries[i].opcode = .undecoded
        }
    }

    /// `fence.i`: every decoded instruction and translated unit is dropped and made again from memory.
    func invalidateAllDecoded() {
        for ppn in decodeCache.invalidateAll() { clearCodeFlag(physicalPage: ppn) }
        tlb.flushFetch()
        translator?.invalidateAll(hart: self)
    }

    /// Like `invalidateAllDecoded`, and the memory of the decode cache and the code
    /// cache goes back to the host. Runs between blocks, never inside generated code.
    func trimDecoded() {
        for ppn in decodeCache.discardAll() { clearCodeFlag(physicalPage: ppn) }
        tlb.flushFetch()
        if let translator {
            translator.discard(hart: self)
            HostHeap.releaseFreeMemory()  // the units' tables and guest bytes were the heap's
        }
    }
}
