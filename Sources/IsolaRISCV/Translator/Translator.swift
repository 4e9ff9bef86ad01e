import IsolaHost

/// One hart's dynamic binary translator: guest code becomes host code unit by
/// unit, the first time it runs, and the interpreter stays the reference for
/// everything the backend hands back to it.
///
/// Units are keyed by (virtual pc, physical pc): the code bakes the virtual pc
/// into `auipc`, `jal` and link values, and the physical page is what stores
/// invalidate. Nothing else is part of the key: data accesses go through the TLB
/// table the state block points at now (privilege, MPRV, SUM and MXR pick it), and
/// instructions that depend on mstatus (FP with FS, CSRs, system) run in the
/// interpreter helper, which checks them as it always does.
///
/// Threading: owned by the hart's thread, like the hart's other caches.
final class Translator {
    typealias Backend = X86Backend

    struct Key: Hashable {
        let virtualPC: UInt64
        let physicalPC: UInt64
    }

    struct Unit {
        let code: UInt64
        /// Physical bytes [start, end) of guest code the unit was made from.
        let physicalEnd: UInt64
        /// The guest code itself, to tell after a `fence.i` whether the unit still holds.
        let guestBytes: [UInt8]
        /// The `fence.i` epoch in which the unit was last known to match memory.
        var epoch: Int32
    }

    /// A direct jump into a unit: where it is, and where it went before it was linked.
    struct Link {
        let site: UInt64
        let unlinked: UInt64
    }

    let cache: CodeCache
    let jumpCache: JumpCache
    /// The direct jumps into each unit (by its code address), undone when the unit is
    /// dropped. Sites in units dropped before stay listed, harmless, until the cache is reset.
    private var incoming: [UInt64: [Link]] = [:]
    private var units = UnitTable()
    /// The units made from each physical page, to invalidate them when it changes.
    private var unitsByPage: [UInt64: [Key]] = [:]
    /// Bumped whenever a unit is invalidated, so a store helper can tell that its
    /// store changed translated code.
    private(set) var invalidations: UInt64 = 0
    /// Bumped by every `fence.i`: a unit from an older epoch is compared with memory
    /// before it runs again (memory may have changed where this hart could not see
    /// it: another hart's store, a device's DMA), and kept when it still matches.
    /// Every unit's entry compares its own epoch with the state block's copy of this,
    /// so one reached by a direct jump is checked too. Kept below 2^31 (units hold it
    /// as a 32-bit immediate): at the limit every unit is forgotten and it starts again.
    private var epoch: Int32 = 0
    var statistics = TranslatorStatistics()
    let perfMap: PerfMap?
    /// How many times code starts in the interpreter before it is translated.
    let translationThreshold: UInt8
    static let counterSlots = 1 << 14
    /// Starts of untranslated code, by a hash of its physical address (`isHot`).
    private var starts = [UInt8](repeating: 0, count: Translator.counterSlots)
    private struct ColdLength { var physicalPC: UInt64; var count: Int32 }
    /// Instruction counts of units not hot yet, by the same slots (`coldLength`).
    private var coldLengths = [ColdLength](repeating: ColdLength(physicalPC: .max, count: 1), count: Translator.counterSlots)
    /// How many instructions the dispatcher interprets after `code(at:)` answered nil.
    var interpretCount = 1
    /// The cache's copy for the child of a fork in progress.
    var forkCopy: ExecutableMemory.ForkCopy?

    init(codeCacheBytes: Int, perfMap: Bool, threshold: UInt8) throws {
        translationThreshold = threshold
        precondition(MemoryLayout<TLBEntry>.stride.nonzeroBitCount == 1, "TLB entries are probed with a shift")
        cache = try CodeCache(byteCount: codeCacheBytes, backend: Backend.self)
        jumpCache = try JumpCache()
        self.perfMap = perfMap ? PerfMap.shared : nil
        for part in cache.runtimeParts { self.perfMap?.record(address: part.address, size: part.size, name: part.name) }
    }

    /// Makes `state` the block this translator's code runs with (its epoch copy).
    func attach(_ state: HartStateBlock) {
        // SAFETY: `state` is the block of the live hart that owns this translator; `epoch` is its UInt64 field.
        state.epoch.pointee = UInt64(epoch)
        // SAFETY: as above, for the helper fields.
        state.helper(HartStateBlock.Offset.interpretHelper).pointee = TranslatorHelpers.address(of: TranslatorHelpers.interpret)
        // SAFETY: as above.
        state.helper(HartStateBlock.Offset.stepHelper).pointee = TranslatorHelpers.address(of: TranslatorHelpers.step)
        // SAFETY: as above.
        state.helper(HartStateBlock.Offset.loadHelper).pointee = TranslatorHelpers.address(of: TranslatorHelpers.load)
        // SAFETY: as above.
        state.helper(HartStateBlock.Offset.storeHelper).pointee = TranslatorHelpers.address(of: TranslatorHelpers.store)
    }

    /// Host code for the unit starting at `pc`, translating it if needed; nil when
    /// the interpreter should run what starts there: `interpretCount` instructions
    /// of code not run often enough yet to be worth translating, or one when no
    /// unit can start there (a fetch fault, which `pendingCause` holds).
    @inline(__always)
    func code(at pc: UInt64, hart: Hart) -> UInt64? {
        let vpn = pc >> 12
        if let (code, ppn) = jumpCache.lookup(pc, privilege: hart.privilege) {
            let e = hart.fetchTLB[Int(vpn & SoftTLB.indexMask)]
            if e.tag == vpn && e.physicalPage == ppn { return code }
        }
        return codeSlow(at: pc, hart: hart)
    }

    @inline(never)
    private func codeSlow(at pc: UInt64, hart: Hart) -> UInt64? {
        guard let entry = hart.fetchEntry(pc) else { return nil }
        // The jump cache's entry may only have missed the TLB (flushed since): check its page.
        if let (code, ppn) = jumpCache.lookup(pc, privilege: hart.privilege), ppn == entry.physicalPage { return code }
        let key = Key(virtualPC: pc, physicalPC: entry.physicalPage << 12 | (pc & 0xFFF))
        let code: UInt64
        if let unit = units[key], unit.epoch == epoch || stillMatches(unit, key: key, hart: hart) {
            code = unit.code
        } else {
            guard isHot(key) else {
                interpretCount = coldLength(key, entry: entry, hart: hart)
                return nil
            }
            let plan = plan(key, entry: entry, hart: hart)
            guard let made = translate(key, plan: plan, entry: entry, hart: hart) else { return nil }
            code = made
        }
        // A page that PMP splits is never in the fetch TLB, so the lookup never takes its entry.
        jumpCache.insert(pc, code: code, physicalPage: entry.physicalPage, privilege: hart.privilege)
        return code
    }

    /// Whether memory still holds the code `unit` was made from (after a `fence.i`);
    /// if so it joins the current epoch, if not it is dropped.
    private func stillMatches(_ unit: Unit, key: Key, hart: Hart) -> Bool {
        // SAFETY: units are made only from RAM, and their bytes lie inside one page of it.
        let host = UnsafeRawPointer(hart.machine.ram.hostPointer(key.physicalPC))
        let same = unit.guestBytes.withUnsafeBytes { memcmpEqual($0.baseAddress.unsafelyUnwrapped, host, $0.count) }
        if same {
            units.setEpoch(epoch, of: key)
            // SAFETY: every unit's code holds its epoch as 4 bytes at `epochOffset`, in the writable view.
            (cache.writable(unit.code) + Backend.epochOffset).storeBytes(of: epoch.littleEndian, as: Int32.self)
        } else {
            drop(key, unit)
        }
        return same
    }

    /// Forgets one unit: out of the tables, every direct jump into it undone.
    private func drop(_ key: Key, _ unit: Unit) {
        units.remove(key)
        jumpCache.remove(key.virtualPC, code: unit.code)
        unlink(unit.code)
        invalidations &+= 1
        statistics.invalidatedUnits += 1
    }

    /// Patches the jump at `site` (in a unit of the current cache `generation`, which
    /// left through it with `UnitExit.link`) to go straight to `code`, a unit of the
    /// same page the dispatcher has just looked up.
    func link(site: UInt64, generation: Int, to code: UInt64) {
        guard generation == cache.generation else { return }  // the cache was reset since
        let writable = cache.writable(site)
        let unlinked = Backend.jumpTarget(at: writable, siteAddress: site)
        Backend.patchJump(at: writable, siteAddress: site, to: code)
        incoming[code, default: []].append(Link(site: site, unlinked: unlinked))
        statistics.linksMade += 1
    }

    /// Undoes every direct jump into the unit at `code`.
    private func unlink(_ code: UInt64) {
        guard let links = incoming.removeValue(forKey: code) else { return }
        for link in links {
            Backend.patchJump(at: cache.writable(link.site), siteAddress: link.site, to: link.unlinked)
        }
        statistics.linksUndone += links.count
    }

    /// The guest instructions of the unit at `key`, decoded from memory (not the
    /// decode cache, which may hold what a `fence.i` has not yet made it forget).
    private func plan(_ key: Key, entry: TLBEntry, hart: Hart) -> UnitPlan {
        var plan = UnitPlan(startPC: key.virtualPC)
        var pc = key.virtualPC
        while plan.instructions.count < UnitPlan.maximumInstructions && pc >> 12 == key.virtualPC >> 12 {
            // SAFETY: the fetch entry maps this virtual page to RAM; reads stay in the page.
            let host = UnsafeRawPointer(bitPattern: UInt(pc &+ entry.addend)).unsafelyUnwrapped
            let low = host.loadUnaligned(as: UInt16.self)
            let inst: DecodedInstruction
            if low & 3 != 3 {
                inst = CompressedDecoder.decode(low)
            } else {
                if pc & 0xFFF == 0xFFE {
                    // Across the page end: a unit of its own, which the interpreter runs.
                    plan.crossesPageEnd = plan.instructions.isEmpty && UnitPlan.isPlain(lowHalf: low)
                    if plan.crossesPageEnd { plan.crossing = crossingInstruction(at: pc, lowHalf: low, hart: hart) }
                    break
                }
                inst = Decoder.decode(host.loadUnaligned(as: UInt32.self))
            }
            plan.instructions.append(UnitPlan.Instruction(pc: pc, decoded: inst))
            if UnitPlan.endsUnit(inst.opcode) { break }
            pc &+= UInt64(inst.length)
        }
        return plan
    }

    /// Counts one more start of the untranslated code at `key`; true once it has
    /// started `translationThreshold` times (`ExecutionEngine.defaultTranslationThreshold`). Most of a boot's code runs only a few
    /// times, and interpreting it costs less than translating it. The counters are
    /// direct-mapped by address: a collision only makes code hot a little sooner.
    private func isHot(_ key: Key) -> Bool {
        let slot = Translator.counterSlot(key)
        if starts[slot] >= translationThreshold - 1 {
            starts[slot] = 0
            return true
        }
        starts[slot] &+= 1
        return false
    }

    @inline(__always)
    private static func counterSlot(_ key: Key) -> Int {
        Int(truncatingIfNeeded: (key.physicalPC &* 0x9E37_79B9_7F4A_7C15) >> 48) & (Translator.counterSlots - 1)
    }

    /// How many instructions the unit at `key` would hold, planned once and kept by
    /// slot: code not hot yet starts up to `translationThreshold` times, and planning
    /// it each time was a third of a cold guest's time in the dispatcher. A count gone
    /// stale (the code changed, or two units share a slot) only makes the
    /// interpreter stop sooner or later than the unit's end.
    private func coldLength(_ key: Key, entry: TLBEntry, hart: Hart) -> Int {
        let slot = Translator.counterSlot(key)
        if coldLengths[slot].physicalPC != key.physicalPC {
            coldLengths[slot] = ColdLength(physicalPC: key.physicalPC,
                                           count: Int32(max(plan(key, entry: entry, hart: hart).instructions.count, 1)))
        }
        return Int(coldLengths[slot].count)
    }

    /// The 4-byte instruction at the page end `pc`, when the next page is in the fetch
    /// TLB now (nothing is walked or faulted here) and the backend compiles it inline.
    private func crossingInstruction(at pc: UInt64, lowHalf low: UInt16, hart: Hart) -> (UnitPlan.Instruction, UInt16)? {
        let next = pc &+ 2
        let e = hart.fetchTLB[Int((next >> 12) & SoftTLB.indexMask)]
        guard e.tag == next >> 12 else { return nil }
        // SAFETY: the fetch entry maps the next page to RAM; two bytes at its start.
        let high = UnsafeRawPointer(bitPattern: UInt(next &+ e.addend)).unsafelyUnwrapped.loadUnaligned(as: UInt16.self)
        let decoded = Decoder.decode(UInt32(high) << 16 | UInt32(low))
        guard Backend.compilesAcrossPageEnd(decoded) else { return nil }
        return (UnitPlan.Instruction(pc: pc, decoded: decoded), high)
    }

    private func translate(_ key: Key, plan: UnitPlan, entry: TLBEntry, hart: Hart) -> UInt64? {
        let started = HostClock.monotonicNanoseconds()
        defer { statistics.translationNanoseconds &+= HostClock.monotonicNanoseconds() &- started }
        guard !plan.instructions.isEmpty || plan.crossesPageEnd else { return nil }
        var address = cache.nextAddress
        var bytes = Backend.compile(plan, origin: address, runtime: cache.runtime, epoch: epoch)
        if !cache.append(bytes) {
            flushAll(hart: hart)
            address = cache.nextAddress
            bytes = Backend.compile(plan, origin: address, runtime: cache.runtime, epoch: epoch)
            guard cache.append(bytes) else { return nil }
        }
        // SAFETY: as in `plan`, the unit's guest bytes lie in the fetch entry's page.
        let guest = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(key.virtualPC &+ entry.addend)),
                                           count: Int(plan.guestByteCount))
        units.insert(Unit(code: address, physicalEnd: key.physicalPC &+ plan.guestByteCount, guestBytes: Array(guest), epoch: epoch),
                     for: key)
        let ppn = key.physicalPC >> 12
        unitsByPage[ppn, default: []].append(key)
        hart.markTranslated(physicalPage: ppn)
        statistics.unitsTranslated += 1
        statistics.guestInstructionsTranslated += max(plan.instructions.count, plan.crossesPageEnd ? 1 : 0)
        statistics.hostBytesWritten += bytes.count
        perfMap?.record(address: address, size: bytes.count, guestPC: key.virtualPC, physicalPC: key.physicalPC)
        return address
    }

    /// Drops the units whose guest code overlaps `[pa, pa + size)` (a store to it);
    /// a 4-byte instruction starting two bytes before is covered by its unit's range.
    func invalidate(physicalAddress pa: UInt64, size: Int, hart: Hart) {
        let ppn = pa >> 12
        guard let keys = unitsByPage[ppn] else {
            hart.clearTranslatedFlag(physicalPage: ppn)
            return
        }
        let end = pa &+ UInt64(size)
        var remaining: [Key] = []
        for key in keys {
            guard let unit = units[key] else { continue }
            if key.physicalPC < end && pa < unit.physicalEnd {
                drop(key, unit)
            } else {
                remaining.append(key)
            }
        }
        if remaining.isEmpty {
            unitsByPage[ppn] = nil
            hart.clearTranslatedFlag(physicalPage: ppn)
        } else {
            unitsByPage[ppn] = remaining
        }
    }

    /// `fence.i` (and a restore): every unit must be checked against memory before
    /// it runs again. This may run inside a helper called from generated code, so
    /// no code is freed here.
    func invalidateAll(hart: Hart) {
        statistics.fenceInstructionEpochs += 1
        if units.count == 0 { return }
        if epoch == Int32.max {
            // Nothing reaches the old units once forgotten: the jump that called here
            // (a `fence.i`) leaves its unit, and the next comes from the empty tables.
            dropAll(hart: hart)
            epoch = 0
        } else {
            epoch += 1
        }
        // SAFETY: as in `attach`.
        hart.state.epoch.pointee = UInt64(epoch)
        jumpCache.flushAll()
        invalidations &+= 1
    }

    /// Forgets every unit: their code stays in the cache, unreachable.
    private func dropAll(hart: Hart) {
        for ppn in unitsByPage.keys { hart.clearTranslatedFlag(physicalPage: ppn) }
        units.removeAll()
        unitsByPage.removeAll(keepingCapacity: true)
        incoming.removeAll()
        jumpCache.flushAll()
        invalidations &+= 1
    }

    /// Forgets every unit and starts the code cache again (it is full). Only the
    /// dispatcher calls this, never code running in the cache.
    private func flushAll(hart: Hart) {
        dropAll(hart: hart)
        cache.reset()
        statistics.flushes += 1
    }

    /// Forgets every unit and gives the code cache's memory back to the host (an idle
    /// VM); called between blocks, never from generated code.
    func discard(hart: Hart) {
        dropAll(hart: hart)
        jumpCache.release()
        units = UnitTable()
        unitsByPage = [:]
        incoming = [:]
        cache.discard()
    }

    /// Runs generated code from `code` until it exits.
    @inline(__always)
    func run(_ code: UInt64, state: HartStateBlock) -> UnitExit {
        // SAFETY: `code` is the entry of a unit in this cache; the trampoline keeps the C ABI.
        let raw = cache.enter(state.base, UnsafeRawPointer(bitPattern: UInt(code)).unsafelyUnwrapped)
        let exit = UnitExit(rawValue: raw).unsafelyUnwrapped
        statistics.exits[Int(raw)] &+= 1
        return exit
    }

    var currentStatistics: TranslatorStatistics {
        var s = statistics
        s.codeCacheBytes = cache.unitBytes
        s.jumpCacheFlushes = jumpCache.flushes
        return s
    }
}
