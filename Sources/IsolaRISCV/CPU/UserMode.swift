/// Receives the exceptions a U-mode program raises when no guest kernel exists:
/// the process VM turns page faults and illegal instructions into signals.
public protocol ExceptionHandler: AnyObject {
    /// Called with `hart.pc` at the faulting instruction; sets `hart.pc` to resume
    /// (a signal handler) or stops the machine.
    func handleException(hart: Hart, cause: UInt64, tval: UInt64)
    /// Called between blocks when `ExitRequest.monitorEvent` was posted (a host
    /// signal arrived for the program); may set `hart.pc` to deliver it.
    func handleMonitorEvent(hart: Hart)
}

/// Running a program in U-mode with the monitor as its kernel (the process VM).
extension Hart {
    /// Enters U-mode at `entry` translating through the Sv39 table at physical page
    /// `rootPage`, with the FPU on and every interrupt off.
    public func enterUserMode(entry: UInt64, rootPage: UInt64) {
        mstatus = (mstatus & ~MStatus.fs) | (1 << MStatus.fsShift) | MStatus.fixedXLEN
        mie = 0
        // PMP entry 0 grants all of memory (NAPOT over the whole space): U-mode needs a match.
        pmp.writeAddress(0, (1 << 54) - 1)
        pmp.writeConfig(0, 0x1F)
        satp = 8 << 60 | rootPage
        flushTLB()
        setPrivilege(.user)
        pc = entry
    }

    /// Forgets every cached translation and decoded instruction, after the monitor
    /// changed the program's page tables (munmap, mprotect) or wrote to its code.
    public func flushTranslations() {
        flushTLB()
        invalidateAllDecoded()
    }
}

/// User-visible state the process VM saves in signal frames and copies into new threads.
extension Hart {
    /// `fcsr`: the rounding mode above the accrued exception flags.
    public var floatingPointControl: UInt64 {
        get { frm << 5 | fflags }
        set { fflags = newValue & 0x1F; frm = (newValue >> 5) & 7 }
    }

    /// Takes `other`'s registers, FP state and pc: a new thread starts as a copy of its parent.
    public func copyUserState(from other: Hart) {
        x.update(from: other.x, count: 32)
        f.update(from: other.f, count: 32)
        floatingPointControl = other.floatingPointControl
        pc = other.pc
    }

    /// Drops the LR reservation (a signal handler runs, or returns).
    public func clearReservation() {
        reservationAddress = Hart.noReservation
    }
}
