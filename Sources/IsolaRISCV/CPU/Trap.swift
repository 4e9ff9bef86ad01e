/// Trap entry and return (privileged spec 3.1.6.1, 3.3.2, 4.1.1).
extension Hart {
    static let interruptBit: UInt64 = 1 << 63

    /// Takes the exception recorded in `pendingCause`/`pendingTval` for the instruction at
    /// `pc`; a debugger's stop (`debuggerStop`) takes nothing and stays at `pc`.
    @inline(never)
    func takePendingTrap(at pc: UInt64) -> UInt64 {
        if pendingCause == Hart.debuggerStop {
            self.pc = pc
            return pc
        }
        return takeTrap(cause: pendingCause, tval: pendingTval, at: pc)
    }

    /// Enters the trap handler for `cause` and returns the handler's address.
    /// Traps from S or U whose bit is set in `medeleg`/`mideleg` go to S-mode.
    @discardableResult
    func takeTrap(cause: UInt64, tval: UInt64, at pc: UInt64) -> UInt64 {
        if cause & Hart.interruptBit == 0, let handler = exceptionHandler, privilege == .user {
            // A process VM: the monitor plays the kernel, so the exception goes to it.
            self.pc = pc
            reservationAddress = Hart.noReservation
            handler.handleException(hart: self, cause: cause, tval: tval)
            return self.pc
        }
        let isInterrupt = cause & Hart.interruptBit != 0
        let code = cause & ~Hart.interruptBit
        let delegation = isInterrupt ? mideleg : medeleg
        reservationAddress = Hart.noReservation
        if privilege != .machine && (delegation >> code) & 1 != 0 {
            scause = cause
            sepc = pc
            stval = tval
            var s = mstatus & ~(MStatus.spp | MStatus.spie | MStatus.sie)
            if privilege == .supervisor { s |= MStatus.spp }
            if mstatus & MStatus.sie != 0 { s |= MStatus.spie }
            mstatus = s
            setPrivilege(.supervisor)
            let base = stvec & ~3
            self.pc = (stvec & 3 == 1 && isInterrupt) ? base &+ 4 * code : base
        } else {
            mcause = cause
            mepc = pc
            mtval = tval
            var s = mstatus & ~(MStatus.mpp | MStatus.mpie | MStatus.mie)
            s |= UInt64(privilege.rawValue) << MStatus.mppShift
            if mstatus & MStatus.mie != 0 { s |= MStatus.mpie }
            mstatus = s
            setPrivilege(.machine)
            let base = mtvec & ~3
            self.pc = (mtvec & 3 == 1 && isInterrupt) ? base &+ 4 * code : base
        }
        // A fetch fault whose handler is the faulting address itself can never make progress.
        if !isInterrupt && self.pc == pc
            && (code == ExceptionCause.instructionAccessFault.rawValue || code == ExceptionCause.instructionPageFault.rawValue) {
            machine.request(.crashed(reason: "hart \(hartID): trap handler at 0x\(String(pc, radix: 16)) cannot be fetched (cause \(code))"))
        }
        return self.pc
    }

    /// Raises an exception for the instruction at `pc`; returns the handler address.
    func raise(_ cause: ExceptionCause, tval: UInt64 = 0, at pc: UInt64) -> UInt64 {
        takeTrap(cause: cause.rawValue, tval: tval, at: pc)
    }

    func setPrivilege(_ mode: PrivilegeMode) {
        privilege = mode
        updateTranslationContext()
    }

    /// `mret`: back to the privilege in MPP, restoring MIE.
    func machineReturn() -> UInt64 {
        let previous = PrivilegeMode(rawValue: UInt8((mstatus >> MStatus.mppShift) & 3)) ?? .user
        var s = mstatus & ~(MStatus.mie | MStatus.mpp)
        if mstatus & MStatus.mpie != 0 { s |= MStatus.mie }
        s |= MStatus.mpie
        if previous != .machine { s &= ~MStatus.mprv }
        mstatus = s
        setPrivilege(previous)
        return mepc
    }

    /// `sret`: back to the privilege in SPP, restoring SIE.
    func supervisorReturn() -> UInt64 {
        let previous: PrivilegeMode = mstatus & MStatus.spp != 0 ? .supervisor : .user
        var s = mstatus & ~(MStatus.sie | MStatus.spp)
        if mstatus & MStatus.spie != 0 { s |= MStatus.sie }
        s |= MStatus.spie
        s &= ~MStatus.mprv
        mstatus = s
        setPrivilege(previous)
        return sepc
    }
}
