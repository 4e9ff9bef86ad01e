import Atomics

/// Virtual-to-physical translation: Sv39, Sv48 and Sv57 (privileged spec 4.3-4.5).
extension Hart {
    static let pteV: UInt64 = 1 << 0, pteR: UInt64 = 1 << 1, pteW: UInt64 = 1 << 2, pteX: UInt64 = 1 << 3
    static let pteU: UInt64 = 1 << 4, pteA: UInt64 = 1 << 6, pteD: UInt64 = 1 << 7
    /// Bit 63 (N, Svnapot, not implemented) and bits 60:54: nonzero is a page fault.
    static let pteReserved: UInt64 = (1 << 63) | (0x7F << 54)
    /// Bits 62:61, Svpbmt's memory type: 0 PMA, 1 NC, 2 IO, 3 reserved. Isola's memory has
    /// one type, so NC and IO change nothing; they are valid only in a leaf, with `menvcfg.PBMTE`.
    static let ptePBMT: UInt64 = 3 << 61

    /// Levels of the active paging mode, or 0 for Bare.
    @inline(__always)
    var pagingLevels: Int {
        switch satp >> 60 {
        case 8: return 3
        case 9: return 4
        case 10: return 5
        default: return 0
        }
    }

    /// Translates `va` for an access at `privilege`, or records the fault and returns nil.
    ///
    /// A and D are set by the walk itself with a compare-and-swap (the spec's
    /// hardware-update option), so Linux never sees spurious faults for them. A debugger's
    /// look at memory (`forDebugger`) changes nothing: no A/D, no note of a superpage, so
    /// it may run on the debugger's thread while the paused hart serves fences.
    func translate(_ va: UInt64, _ access: AccessType, _ privilege: PrivilegeMode, forDebugger: Bool = false) -> UInt64? {
        let levels = pagingLevels
        if privilege == .machine || levels == 0 { return va }
        let vaBits = 12 + 9 * levels
        let signExtended = UInt64(bitPattern: Int64(bitPattern: va << UInt64(64 - vaBits)) >> Int64(64 - vaBits))
        guard signExtended == va else { return fault(access.pageFault, va) }

        let sum = mstatus & MStatus.sum != 0
        let mxr = mstatus & MStatus.mxr != 0
        walk: while true {
            var table = (satp & ((1 << 44) - 1)) << 12
            var level = levels - 1
            while true {
                let vpn = (va >> UInt64(12 + 9 * level)) & 0x1FF
                let pteAddress = table &+ vpn * 8
                guard machine.ram.contains(pteAddress, length: 8),
                      pmp.allows(pteAddress, length: 8, access: .read, privilege: .supervisor)
                else { return fault(access.accessFault, va) }
                // SAFETY: the guard checked the 8 bytes against RAM; pteAddress is a page-aligned table plus
                // vpn * 8, and RAM's base and host mapping are page-aligned, so the word is 8-byte aligned.
                let ptePointer = machine.ram.hostPointer(pteAddress).assumingMemoryBound(to: UInt64.AtomicRepresentation.self)
                let atomicPTE = UnsafeAtomic<UInt64>(at: ptePointer)
                let pte = atomicPTE.load(ordering: .acquiring)
                if pte & Hart.pteV == 0 || (pte & Hart.pteR == 0 && pte & Hart.pteW != 0) || pte & Hart.pteReserved != 0 {
                    return fault(access.pageFault, va)
                }
                let ppn = (pte >> 10) & ((1 << 44) - 1)
                let leaf = pte & (Hart.pteR | Hart.pteX) != 0
                if pte & Hart.ptePBMT != 0 && (!leaf || pte & Hart.ptePBMT == Hart.ptePBMT || menvcfg & EnvironmentConfiguration.pbmte == 0) {
                    return fault(access.pageFault, va)
                }
                if !leaf {
                    guard level > 0 else { return fault(access.pageFault, va) }
                    table = ppn << 12
                    level -= 1
                    continue
                }
                // Leaf: permissions (4.3.2 step 5).
                let user = pte & Hart.pteU != 0
                switch privilege {
                case .user: if !user { return fault(access.pageFault, va) }
                case .supervisor: if user && (access == .fetch || !sum) { return fault(access.pageFault, va) }
                case .machine: break
                }
                let allowed: Bool
                switch access {
                case .read: allowed = pte & Hart.pteR != 0 || (mxr && pte & Hart.pteX != 0)
                case .write: allowed = pte & Hart.pteW != 0
                case .fetch: allowed = pte & Hart.pteX != 0
                }
                guard allowed else { return fault(access.pageFault, va) }
                let levelMask: UInt64 = (1 << UInt64(9 * level)) - 1
                guard ppn & levelMask == 0 else { return fault(access.pageFault, va) }  // misaligned superpage
                let needed = Hart.pteA | (access == .write ? Hart.pteD : 0)
                if !forDebugger && pte & needed != needed {
                    let (exchanged, _) = atomicPTE.compareExchange(expected: pte, desired: pte | needed, ordering: .acquiringAndReleasing)
                    if !exchanged { continue walk }  // another hart changed the PTE; walk again
                }
                // The TLB caches 4 KiB pieces; an address-specific sfence.vma must drop all of them.
                if level > 0 && !forDebugger { superpageCached = true }
                let pageNumber = (ppn & ~levelMask) | ((va >> 12) & levelMask)
                return (pageNumber << 12) | (va & 0xFFF)
            }
        }
    }

    /// What a walk makes of `va` for `access` at `privilege`: the physical address, or
    /// the exception it raises (a page fault or an access fault, as `mcause` would hold
    /// it). A and D are set as the access itself would set them. For debuggers and tests,
    /// which read translations without running an instruction.
    public func walk(_ va: UInt64, for access: AccessType, at privilege: PrivilegeMode) -> Translation {
        if let physical = translate(va, access, privilege) { return .physical(physical) }
        return .fault(cause: pendingCause)
    }

    public enum Translation: Equatable, Sendable {
        case physical(UInt64)
        case fault(cause: UInt64)
    }

    /// Records a fault for the interpreter and returns nil, so callers can `return fault(...)`.
    @inline(never)
    func fault(_ cause: UInt64, _ tval: UInt64) -> UInt64? {
        pendingCause = cause
        pendingTval = tval
        return nil
    }
}
