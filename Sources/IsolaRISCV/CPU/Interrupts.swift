import Atomics

/// Interrupt pending and enable logic (privileged spec 3.1.9).
extension Hart {
    /// `mip` as software reads it: its own bits, the wires from devices, and the timers.
    /// STIP is `mtime >= stimecmp`: Sstc's rule, and how the built-in SBI's `set_timer`
    /// works; with STCE clear M-mode software may also raise it by hand.
    func currentMIP() -> UInt64 {
        let owned = menvcfg & EnvironmentConfiguration.stce != 0 ? mipSoftware & ~InterruptBits.stip : mipSoftware
        var pending = owned | interruptLines.load(ordering: .acquiring)
        let now = machine.clock.mtime
        if now >= machine.clint.compare(of: Int(hartID)) { pending |= InterruptBits.mtip }
        if now >= stimecmp { pending |= InterruptBits.stip }
        return pending
    }

    /// The interrupt to take now, if any, honouring delegation, enables and priority.
    func selectInterrupt() -> InterruptCause? {
        let pending = currentMIP() & mie
        if pending == 0 { return nil }
        let machineEnabled = privilege != .machine || mstatus & MStatus.mie != 0
        let supervisorEnabled = privilege == .user || (privilege == .supervisor && mstatus & MStatus.sie != 0)
        let toMachine = machineEnabled ? pending & ~mideleg : 0
        let toSupervisor = supervisorEnabled ? pending & mideleg : 0
        let candidates = toMachine != 0 ? toMachine : toSupervisor
        if candidates == 0 { return nil }
        for cause in InterruptCause.priorityOrder where candidates & cause.mask != 0 {
            return cause
        }
        return nil
    }

    /// Takes a pending, enabled interrupt; returns whether one was taken.
    func checkInterrupts() -> Bool {
        guard let cause = selectInterrupt() else { return false }
        takeTrap(cause: Hart.interruptBit | cause.rawValue, tval: 0, at: pc)
        return true
    }

    /// Whether any interrupt is pending and enabled in `mie`, ignoring global enables:
    /// the condition that ends `wfi` (privileged spec 3.3.3).
    var hasWakeupInterrupt: Bool {
        currentMIP() & mie != 0
    }
}
