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
    struct Key: Hashable {
        let virtualPC: UInt64
        let physicalPC: UInt64
    }

    struct Unit {
        let code: UInt64
        /// Physical bytes [start, end) of guest code the unit was made from.
        let physicalEnd: UInt64
    }

    let cache: CodeCache
    let jumpCache = JumpCache()
    private var units: [Key: Unit] = [:]
    /// The units made from each physical page, to invalidate them when it changes.
    private var unitsByPage: [UInt64: [Key]] = [:]
    /// Bumped whenever a unit is invalidated, so a store helper can tell that its
    /// store changed translated code.
    private(set) var invalidations: UInt64 = 0
    var statistics = TranslatorStatistics()
    let perfMap: PerfMap?

    init(codeCacheBytes: Int, perfMap: Bool) throws {
        precondition(MemoryLayout<TLBEntry>.stride.nonzeroBitCount == 1, "TLB entries are probed with a shift")
        cache = try CodeCache(byteCount: codeCacheBytes, backend: X86Backend.self)
        self.perfMap = perfMap ? PerfMap.shared : nil
    }

    /// Host code for the unit starting at `pc`, translating it if needed; nil when
    /// no unit can start there (a fetch fault, which `pendingCause` holds, or an
    /// instruction across a page end): the interpreter takes that instruction.
    @inline(__always)
    func code(at pc: UInt64, hart: Hart) -> UInt64? {
        if let code = jumpCache.lookup(pc, privilege: hart.privilege) { return code }
        return codeSlow(at: pc, hart: hart)
    }

    @inline(never)
    private func codeSlow(at pc: UInt64, hart: Hart) -> UInt64? {
        guard let entry = hart.fetchEntry(pc) else { return nil }
        let key = Key(virtualPC: pc, physicalPC: entry.physicalPage << 12 | (pc & 0xFFF))
        let code: UInt64
        if let unit = units[key] {
            code = unit.code
        } else {
            guard let made = translate(key, entry: entry, hart: hart) else { return nil }
            code = made
        }
        // A page that PMP splits is never in the fetch TLB; its fetches must keep being checked.
        let vpn = pc >> 12
        if hart.fetchTLB[Int(vpn & SoftTLB.indexMask)].tag == vpn {
            jumpCache.insert(pc, code: code, privilege: hart.privilege)
        }
        return code
    }

    /// The guest instructions of the unit at `key`, read through the decode cache.
    private func plan(_ key: Key, entry: TLBEntry, hart: Hart) -> UnitPlan {
        var plan = UnitPlan(startPC: key.virtualPC)
        // SAFETY: fetch entries always carry their decode-cache page.
        let page = entry.decoded.unsafelyUnwrapped
        var pc = key.virtualPC
        while plan.instructions.count < UnitPlan.maximumInstructions && pc >> 12 == key.virtualPC >> 12 {
            // SAFETY: the fetch entry maps this virtual page to RAM; a 2-byte read stays in the page.
            let low = UnsafeRawPointer(bitPattern: UInt(pc &+ entry.addend)).unsafelyUnwrapped.loadUnaligned(as: UInt16.self)
            if low & 3 == 3 && pc & 0xFFF == 0xFFE { break }  // crosses the page end: the interpreter's
            var inst = page[Int((pc & 0xFFF) >> 1)]
            if inst.opcode == .undecoded {
                guard let decoded = hart.decode(at: pc, entry: entry, page: page) else { break }
                inst = decoded
            }
            plan.instructions.append(UnitPlan.Instruction(pc: pc, decoded: inst))
            if UnitPlan.endsUnit(inst.opcode) { break }
            pc &+= UInt64(inst.length)
        }
        return plan
    }

    private func translate(_ key: Key, entry: TLBEntry, hart: Hart) -> UInt64? {
        let started = HostClock.monotonicNanoseconds()
        defer { statistics.translationNanoseconds &+= HostClock.monotonicNanoseconds() &- started }
        let plan = plan(key, entry: entry, hart: hart)
        guard !plan.instructions.isEmpty else { return nil }
        var address = cache.nextAddress
        var bytes = X86Backend.compile(plan, origin: address, runtime: cache.runtime)
        if !cache.append(bytes) {
            flushAll(hart: hart)
            address = cache.nextAddress
            bytes = X86Backend.compile(plan, origin: address, runtime: cache.runtime)
            guard cache.append(bytes) else { return nil }
        }
        units[key] = Unit(code: address, physicalEnd: key.physicalPC &+ plan.guestByteCount)
        let ppn = key.physicalPC >> 12
        unitsByPage[ppn, default: []].append(key)
        hart.markTranslated(physicalPage: ppn)
        statistics.unitsTranslated += 1
        statistics.guestInstructionsTranslated += plan.instructions.count
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
                units[key] = nil
                jumpCache.remove(key.virtualPC, code: unit.code)
                invalidations &+= 1
                statistics.invalidatedUnits += 1
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

    /// Forgets every unit (`fence.i`, a restore). The code stays in the cache,
    /// unreachable, until the cache fills: this may run inside a helper called
    /// from generated code, which must not be overwritten under it.
    func invalidateAll(hart: Hart) {
        if units.isEmpty { return }
        for ppn in unitsByPage.keys { hart.clearTranslatedFlag(physicalPage: ppn) }
        statistics.invalidatedUnits += units.count
        units.removeAll(keepingCapacity: true)
        unitsByPage.removeAll(keepingCapacity: true)
        jumpCache.flushAll()
        invalidations &+= 1
    }

    /// Forgets every unit and starts the code cache again (it is full). Only the
    /// dispatcher calls this, never code running in the cache.
    private func flushAll(hart: Hart) {
        invalidateAll(hart: hart)
        cache.reset()
        statistics.flushes += 1
    }

    /// Forgets every unit and gives the code cache's memory back to the host (an idle
    /// VM); called between blocks, never from generated code.
    func discard(hart: Hart) {
        invalidateAll(hart: hart)
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
        return s
    }
}
