/// CSR numbers used by the hart (privileged spec table 2.2-2.5).
public enum CSR {
    public static let fflags: UInt16 = 0x001, frm: UInt16 = 0x002, fcsr: UInt16 = 0x003
    public static let cycle: UInt16 = 0xC00, time: UInt16 = 0xC01, instret: UInt16 = 0xC02
    public static let sstatus: UInt16 = 0x100, sie: UInt16 = 0x104, stvec: UInt16 = 0x105, scounteren: UInt16 = 0x106
    public static let senvcfg: UInt16 = 0x10A
    public static let sscratch: UInt16 = 0x140, sepc: UInt16 = 0x141, scause: UInt16 = 0x142, stval: UInt16 = 0x143
    public static let sip: UInt16 = 0x144, stimecmp: UInt16 = 0x14D, satp: UInt16 = 0x180
    public static let mvendorid: UInt16 = 0xF11, marchid: UInt16 = 0xF12, mimpid: UInt16 = 0xF13
    public static let mhartid: UInt16 = 0xF14, mconfigptr: UInt16 = 0xF15
    public static let mstatus: UInt16 = 0x300, misa: UInt16 = 0x301, medeleg: UInt16 = 0x302, mideleg: UInt16 = 0x303
    public static let mie: UInt16 = 0x304, mtvec: UInt16 = 0x305, mcounteren: UInt16 = 0x306
    public static let menvcfg: UInt16 = 0x30A, mcountinhibit: UInt16 = 0x320
    public static let mscratch: UInt16 = 0x340, mepc: UInt16 = 0x341, mcause: UInt16 = 0x342, mtval: UInt16 = 0x343
    public static let mip: UInt16 = 0x344
    public static let pmpcfg0: UInt16 = 0x3A0, pmpaddr0: UInt16 = 0x3B0
    public static let mcycle: UInt16 = 0xB00, minstret: UInt16 = 0xB02
    public static let mseccfg: UInt16 = 0x747
    public static let tselect: UInt16 = 0x7A0, tdata1: UInt16 = 0x7A1, tdata2: UInt16 = 0x7A2, tdata3: UInt16 = 0x7A3
    public static let tinfo: UInt16 = 0x7A4
}

/// CSR access (Zicsr), with the privilege, read-only and FS checks of the spec.
extension Hart {
    /// `medeleg` bits that can be set: every synchronous exception except ecall from M.
    static let delegableExceptions: UInt64 = 0xB3FF

    /// Whether the counter `csr` (cycle, time, instret, hpmcounterN) may be read at the current privilege.
    private func counterAccessible(_ csr: UInt16) -> Bool {
        let bit = UInt64(1) << UInt64(csr & 0x1F)
        switch privilege {
        case .machine: return true
        case .supervisor: return mcounteren & bit != 0
        case .user: return mcounteren & bit != 0 && scounteren & bit != 0
        }
    }

    private var fpEnabled: Bool { mstatus & MStatus.fs != 0 }

    /// Sstc: S-mode reaches `stimecmp` only when M-mode gave it the timer (`menvcfg.STCE`)
    /// and the `time` counter (`mcounteren.TM`).
    private var stimecmpAccessible: Bool {
        privilege == .machine || (menvcfg & EnvironmentConfiguration.stce != 0 && mcounteren & 2 != 0)
    }

    /// Whether the current privilege may touch `csr` at all (its bits 9:8), plus the TVM rule for `satp`.
    func csrAccessible(_ csr: UInt16, write: Bool) -> Bool {
        if UInt8((csr >> 8) & 3) > privilege.rawValue { return false }
        if write && csr >> 10 == 3 { return false }
        if csr == CSR.satp && privilege == .supervisor && mstatus & MStatus.tvm != 0 { return false }
        return true
    }

    /// The value of a CSR, or nil when it does not exist or may not be read now.
    func readCSR(_ csr: UInt16, retiredInBlock: UInt64 = 0) -> UInt64? {
        switch csr {
        case CSR.fflags: return fpEnabled ? fflags : nil
        case CSR.frm: return fpEnabled ? frm : nil
        case CSR.fcsr: return fpEnabled ? (frm << 5) | fflags : nil
        case CSR.cycle, CSR.instret:
            guard counterAccessible(csr) else { return nil }
            return csr == CSR.cycle ? (instret &+ retiredInBlock &+ cycleOffset) : (instret &+ retiredInBlock &+ instretOffset)
        case CSR.time:
            guard counterAccessible(csr) else { return nil }
            return machine.clock.mtime
        case 0xC03...0xC1F:
            return counterAccessible(csr) ? 0 : nil
        case CSR.sstatus: return sstatusValue
        case CSR.sie: return mie & mideleg
        case CSR.stvec: return stvec
        case CSR.scounteren: return scounteren
        case CSR.senvcfg: return senvcfg
        case CSR.sscratch: return sscratch
        case CSR.sepc: return sepc
        case CSR.scause: return scause
        case CSR.stval: return stval
        case CSR.sip: return currentMIP() & mideleg
        case CSR.stimecmp: return stimecmpAccessible ? stimecmp : nil
        case CSR.satp: return satp
        case CSR.mvendorid, CSR.marchid, CSR.mimpid, CSR.mconfigptr: return 0
        case CSR.mhartid: return hartID
        case CSR.mstatus: return mstatusValue
        case CSR.misa: return misa
        case CSR.medeleg: return medeleg
        case CSR.mideleg: return mideleg
        case CSR.mie: return mie
        case CSR.mtvec: return mtvec
        case CSR.mcounteren: return mcounteren
        case CSR.menvcfg: return menvcfg
        case CSR.mcountinhibit: return mcountinhibit
        case CSR.mscratch: return mscratch
        case CSR.mepc: return mepc
        case CSR.mcause: return mcause
        case CSR.mtval: return mtval
        case CSR.mip: return currentMIP()
        case CSR.mcycle: return instret &+ retiredInBlock &+ cycleOffset
        case CSR.minstret: return instret &+ retiredInBlock &+ instretOffset
        case 0xB03...0xB1F, 0x323...0x33F: return 0  // mhpmcounterN, mhpmeventN
        case CSR.mseccfg: return 0
        case CSR.tselect: return UInt64(triggers.select)
        case CSR.tdata1: return triggers.data1[triggers.select]
        case CSR.tdata2: return triggers.data2[triggers.select]
        case CSR.tdata3: return 0  // no textra matching
        case CSR.tinfo: return TriggerModule.info
        case 0x3A0...0x3AF:
            let index = Int(csr - CSR.pmpcfg0)
            guard index & 1 == 0 else { return nil }  // odd pmpcfg registers do not exist on RV64
            guard index < 4 else { return 0 }
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(pmp.config[index * 4 + i]) << UInt64(8 * i) }
            return value
        case 0x3B0...0x3EF:
            let index = Int(csr - CSR.pmpaddr0)
            return index < PhysicalMemoryProtection.entryCount ? pmp.address[index] : 0
        default:
            return nil
        }
    }

    var sstatusValue: UInt64 { mstatusValue & MStatus.supervisorView }

    var mstatusValue: UInt64 {
        let dirty = mstatus & MStatus.fs == MStatus.fs
        return dirty ? mstatus | MStatus.sd : mstatus & ~MStatus.sd
    }

    /// Writes a CSR; returns false when the write is illegal (the caller raises).
    func writeCSR(_ csr: UInt16, _ value: UInt64, retiredInBlock: UInt64 = 0) -> Bool {
        switch csr {
        case CSR.fflags:
            guard fpEnabled else { return false }
            fflags = value & 0x1F
            mstatus |= MStatus.fsDirty
        case CSR.frm:
            guard fpEnabled else { return false }
            frm = value & 7
            mstatus |= MStatus.fsDirty
        case CSR.fcsr:
            guard fpEnabled else { return false }
            fflags = value & 0x1F
            frm = (value >> 5) & 7
            mstatus |= MStatus.fsDirty
        case CSR.sstatus:
            writeMstatus((mstatus & ~MStatus.supervisorWritable) | (value & MStatus.supervisorWritable))
        case CSR.sie:
            mie = (mie & ~mideleg) | (value & mideleg)
        case CSR.stvec: stvec = legalTvec(value)
        case CSR.scounteren: scounteren = value & 0xFFFF_FFFF
        case CSR.senvcfg: senvcfg = EnvironmentConfiguration.legal(value, writable: EnvironmentConfiguration.senvcfgWritable)
        case CSR.sscratch: sscratch = value
        case CSR.sepc: sepc = value & ~1
        case CSR.scause: scause = value
        case CSR.stval: stval = value
        case CSR.sip:
            // Only SSIP is writable through sip (privileged spec 4.1.3).
            let mask = InterruptBits.ssip & mideleg
            mipSoftware = (mipSoftware & ~mask) | (value & mask)
            clearRemoteSoftwareInterrupt(unless: value)
        case CSR.stimecmp:
            guard stimecmpAccessible else { return false }
            stimecmp = value
        case CSR.satp:
            let mode = value >> 60
            guard mode == 0 || mode == 8 || mode == 9 || mode == 10 else { return true }  // WARL: ignored
            satp = value & ((0xF << 60) | (0xFFFF << 44) | ((1 << 44) - 1))
            if mode == 0 { satp = 0 }
            flushTLB()
        case CSR.mstatus: writeMstatus(value)
        case CSR.misa: break  // fixed extensions; writes are ignored (WARL)
        case CSR.medeleg: medeleg = value & Hart.delegableExceptions
        case CSR.mideleg: mideleg = value & InterruptBits.supervisor
        case CSR.mie: mie = value & InterruptBits.all
        case CSR.mtvec: mtvec = legalTvec(value)
        case CSR.mcounteren: mcounteren = value & 0xFFFF_FFFF
        case CSR.menvcfg:
            let old = menvcfg
            menvcfg = EnvironmentConfiguration.legal(value, writable: EnvironmentConfiguration.menvcfgWritable)
            // PBMTE decides which PTEs are valid: translations cached under the old rule go.
            if (old ^ menvcfg) & EnvironmentConfiguration.pbmte != 0 { flushTLB() }
        case CSR.mcountinhibit: mcountinhibit = value & 0xFFFF_FFFD
        case CSR.mscratch: mscratch = value
        case CSR.mepc: mepc = value & ~1
        case CSR.mcause: mcause = value
        case CSR.mtval: mtval = value
        case CSR.mip:
            // Under Sstc, STIP follows stimecmp and is read-only.
            let writable = InterruptBits.supervisor & ~(menvcfg & EnvironmentConfiguration.stce != 0 ? InterruptBits.stip : 0)
            mipSoftware = (mipSoftware & ~writable) | (value & writable)
            clearRemoteSoftwareInterrupt(unless: value)
        case CSR.mcycle: cycleOffset = value &- (instret &+ retiredInBlock)
        case CSR.minstret: instretOffset = value &- (instret &+ retiredInBlock)
        case 0xB03...0xB1F, 0x323...0x33F, CSR.mseccfg, CSR.tdata3, CSR.tinfo: break
        case CSR.tselect: triggers.writeSelect(value)
        case CSR.tdata1:
            triggers.writeData1(value)
            // Armed, every access must reach the slow path, where the triggers are compared.
            if triggers.armed { flushTLB() }
        case CSR.tdata2: triggers.writeData2(value)
        case 0x3A0...0x3AF:
            let index = Int(csr - CSR.pmpcfg0)
            guard index & 1 == 0 else { return false }
            guard index < 4 else { return true }
            for i in 0..<8 { pmp.writeConfig(index * 4 + i, UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
            flushTLB()
        case 0x3B0...0x3EF:
            let index = Int(csr - CSR.pmpaddr0)
            guard index < PhysicalMemoryProtection.entryCount else { return true }
            pmp.writeAddress(index, value)
            flushTLB()
        default:
            return false
        }
        return true
    }

    /// An SSIP another hart raised (SBI IPI) lives in `interruptLines`; clearing the bit clears it there too.
    private func clearRemoteSoftwareInterrupt(unless value: UInt64) {
        if value & InterruptBits.ssip == 0 && interruptLines.load(ordering: .relaxed) & InterruptBits.ssip != 0 {
            interruptLines.loadThenBitwiseAnd(with: ~InterruptBits.ssip, ordering: .acquiringAndReleasing)
        }
    }

    private func legalTvec(_ value: UInt64) -> UInt64 {
        // Modes 0 (direct) and 1 (vectored); reserved modes fall back to direct.
        value & 3 >= 2 ? value & ~3 : value
    }

    private func writeMstatus(_ value: UInt64) {
        var v = (mstatus & ~MStatus.writable) | (value & MStatus.writable)
        // MPP is WARL over the implemented modes; the reserved encoding 2 becomes U.
        if (v >> MStatus.mppShift) & 3 == 2 { v &= ~MStatus.mpp }
        let old = mstatus
        mstatus = v | MStatus.fixedXLEN
        // SUM, MXR, MPRV and MPP only choose which TLB tables apply (each caches one setting).
        if (old ^ mstatus) & (MStatus.sum | MStatus.mxr | MStatus.mprv | MStatus.mpp) != 0 { updateTranslationContext() }
    }
}
