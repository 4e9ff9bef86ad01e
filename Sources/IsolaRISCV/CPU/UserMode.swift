/// Receives the exceptions a U-mode program raises when no guest kernel exists:
/// the process VM turns page faults and illegal instructions into signals.
public protocol ExceptionHandler: AnyObject {
    /// Called with `hart.pc` at the faulting instruction; sets `hart.pc` to resume
    /// (a signal handler) or stops the machine.
    func handleException(hart: Hart, cause: UInt64, tval: UInt64)
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
