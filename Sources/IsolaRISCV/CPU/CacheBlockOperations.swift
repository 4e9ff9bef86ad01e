import IsolaCore

/// Zicbom and Zicboz (the CMO specification): `cbo.zero` zeroes a 64-byte block as a
/// store would; `cbo.clean`, `cbo.flush` and `cbo.inval` only check that the block may
/// be reached, because nothing in Isola caches memory behind the guest's back and every
/// device is coherent. Zicbop's prefetches are ORI hints and need nothing here.
extension Hart {
    /// The block size of all three extensions, as the device tree gives it (Zic64b).
    public static let cacheBlockSize: UInt64 = 64

    /// Whether `field` of the envcfg registers (CBIE, CBCFE or CBZE) lets the current mode run the operation.
    private func cacheBlockOperationEnabled(_ field: UInt64) -> Bool {
        switch privilege {
        case .machine: return true
        case .supervisor: return menvcfg & field != 0
        case .user: return menvcfg & field != 0 && senvcfg & field != 0
        }
    }

    func executeCacheBlockOperation(_ inst: DecodedInstruction) -> SlowOutcome {
        let field: UInt64
        switch inst.opcode {
        case .cboZero: field = EnvironmentConfiguration.cbze
        case .cboInval: field = EnvironmentConfiguration.cbie
        default: field = EnvironmentConfiguration.cbcfe
        }
        guard cacheBlockOperationEnabled(field) else { return illegal(inst) }
        let address = x[Int(inst.rs1)]
        let block = address & ~(Hart.cacheBlockSize - 1)
        let vpn = block >> 12
        let slot = Int(vpn & SoftTLB.indexMask)
        if inst.opcode == .cboZero {
            let e = writeTLB[slot]
            if _fastPath(e.tag == vpn) {
                // A write entry maps a RAM page without decoded code; the block lies inside it.
                for offset in stride(from: 0, to: Hart.cacheBlockSize, by: 8) {
                    Hart.storeGuestRAM(UInt(block &+ offset &+ e.addend), UInt64(0))
                }
                return .next
            }
            return zeroBlockSlow(block, reported: address)
        }
        if readTLB[slot].tag == vpn || writeTLB[slot].tag == vpn { return .next }
        return checkBlockAccess(block, reported: address)
    }

    /// `cbo.zero` through the walk and PMP: RAM only (no device takes a block zero), and
    /// each word as a store, so that decoded code on the page is dropped.
    private func zeroBlockSlow(_ block: UInt64, reported address: UInt64) -> SlowOutcome {
        let priv = dataPrivilege
        guard let pa = translate(block, .write, priv) else {
            pendingTval = address
            return .trap
        }
        guard pmp.allows(pa, length: Hart.cacheBlockSize, access: .write, privilege: priv),
              machine.ram.contains(pa, length: Hart.cacheBlockSize) else {
            _ = fault(AccessType.write.accessFault, address)
            return .trap
        }
        for offset in stride(from: 0, to: Hart.cacheBlockSize, by: 8) {
            _ = physicalStore(va: block &+ offset, pa: pa &+ offset, size: 8, value: 0, privilege: priv)
        }
        return .next
    }

    /// A management operation may reach the block wherever a load or a store may; it is
    /// refused as a store is (a store page or access fault), with `rs1` in `tval`.
    private func checkBlockAccess(_ block: UInt64, reported address: UInt64) -> SlowOutcome {
        let priv = dataPrivilege
        guard let pa = translate(block, .read, priv) else {
            let pageFault = pendingCause == AccessType.read.pageFault
            _ = fault(pageFault ? AccessType.write.pageFault : AccessType.write.accessFault, address)
            return .trap
        }
        let reachable = pmp.allows(pa, length: Hart.cacheBlockSize, access: .read, privilege: priv)
            || pmp.allows(pa, length: Hart.cacheBlockSize, access: .write, privilege: priv)
        let exists = machine.ram.contains(pa, length: Hart.cacheBlockSize) || machine.bus.find(pa, length: 1) != nil
        guard reachable && exists else {
            _ = fault(AccessType.write.accessFault, address)
            return .trap
        }
        return .next
    }
}
