import IsolaCore

/// A hart's whole architectural state as a snapshot holds it: registers, pc,
/// privilege, every CSR, the PMP, the LR reservation, the supervisor timer and
/// the HSM state, the debug triggers. Interrupt lines driven by devices are not here:
/// the devices restore them. Caches (TLB, decode cache) are rebuilt, not saved.
extension Hart: SnapshotState {
    /// The layout version of `saveState`: 2 added the triggers (Sdtrig); a version 1
    /// hart restores with none armed. `restoreState` refuses any other.
    public static let stateVersion: UInt32 = 2

    public func saveState(into out: inout SnapshotWriter) {
        out.write(Hart.stateVersion)
        out.write((0..<32).map { x[$0] })
        out.write((0..<32).map { f[$0] })
        out.write(pc)
        out.write(privilege.rawValue)
        for value in [mstatus, medeleg, mideleg, mie, mtvec, mcounteren, mcountinhibit, mscratch, mepc, mcause, mtval,
                      menvcfg, mipSoftware, stvec, scounteren, sscratch, sepc, scause, stval, satp, senvcfg,
                      fflags, frm, instret, cycleOffset, instretOffset, reservationAddress, reservationValue,
                      stimecmp, startAddress, startOpaque] {
            out.write(value)
        }
        out.write(pmp.config)
        out.write(pmp.address)
        out.write(hsmState.load(ordering: .acquiring))
        out.write(waitingForInterrupt)
        out.write(UInt64(triggers.select))
        out.write(triggers.data1)
        out.write(triggers.data2)
    }

    /// Puts the hart in the saved state; nothing changes if the bytes are refused.
    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        let version = try input.expectVersion(in: 1...Hart.stateVersion, of: "hart")
        let xs = try input.readArray(UInt64.self, expected: 32)
        let fs = try input.readArray(UInt64.self, expected: 32)
        let savedPC = try input.read(UInt64.self)
        guard let savedPrivilege = PrivilegeMode(rawValue: try input.read(PrivilegeMode.RawValue.self)) else {
            throw .invalid(what: input.what, reason: "no such privilege mode")
        }
        var csrs: [UInt64] = []
        for _ in 0..<31 { csrs.append(try input.read(UInt64.self)) }
        let config = try input.readArray(UInt8.self, expected: PhysicalMemoryProtection.entryCount)
        let addresses = try input.readArray(UInt64.self, expected: PhysicalMemoryProtection.entryCount)
        let state = try input.read(UInt8.self)
        guard HSMState(rawValue: state) != nil else { throw .invalid(what: input.what, reason: "HSM state \(state)") }
        let waiting = try input.readBool()
        var savedTriggers = TriggerModule()
        if version >= 2 {
            let select = try input.read(UInt64.self)
            let data1 = try input.readArray(UInt64.self, expected: TriggerModule.count)
            let data2 = try input.readArray(UInt64.self, expected: TriggerModule.count)
            guard select < UInt64(TriggerModule.count) else { throw .invalid(what: input.what, reason: "tselect \(select)") }
            savedTriggers.restore(select: Int(select), data1: data1, data2: data2)
        }
        guard csrs[22] < 8 else { throw .invalid(what: input.what, reason: "frm \(csrs[22])") }

        for i in 1..<32 { x[i] = xs[i] }
        for i in 0..<32 { f[i] = fs[i] }
        pc = savedPC
        (mstatus, medeleg, mideleg, mie, mtvec, mcounteren, mcountinhibit, mscratch, mepc, mcause, mtval)
            = (csrs[0], csrs[1], csrs[2], csrs[3], csrs[4], csrs[5], csrs[6], csrs[7], csrs[8], csrs[9], csrs[10])
        (menvcfg, mipSoftware, stvec, scounteren, sscratch, sepc, scause, stval, satp, senvcfg)
            = (csrs[11], csrs[12], csrs[13], csrs[14], csrs[15], csrs[16], csrs[17], csrs[18], csrs[19], csrs[20])
        (fflags, frm, instret, cycleOffset, instretOffset, reservationAddress, reservationValue, stimecmp, startAddress, startOpaque)
            = (csrs[21], csrs[22], csrs[23], csrs[24], csrs[25], csrs[26], csrs[27], csrs[28], csrs[29], csrs[30])
        pmp.config = config
        pmp.address = addresses
        hsmState.store(state, ordering: .releasing)
        waitingForInterrupt = waiting
        triggers = savedTriggers
        setPrivilege(savedPrivilege)
        updateTranslationContext()
        flushTLB()
        invalidateAllDecoded()
    }
}
