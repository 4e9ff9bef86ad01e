/// The machine state a kernel expects from SBI firmware when it gets control
/// in S-mode (SBI v2.0 and the RISC-V Linux boot protocol): what OpenSBI would
/// have set up before jumping to the kernel.
extension Hart {
    /// Delegates every exception S-mode can handle and the supervisor interrupts,
    /// opens PMP to all memory, enables the counters, and routes ecalls to `sbi`.
    func prepareForSupervisorBoot(sbi: SupervisorBinaryInterface) {
        environmentCallHandler = sbi
        // Misaligned, access faults, illegal instruction, breakpoint, ecall from U, page faults.
        medeleg = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7)
            | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
        mideleg = InterruptBits.supervisor
        mcounteren = 0xFFFF_FFFF
        // What OpenSBI enables for the extensions the device tree lists: S-mode's own timer
        // (Sstc), memory types in PTEs (Svpbmt), and the cache-block operations.
        menvcfg = EnvironmentConfiguration.stce | EnvironmentConfiguration.pbmte | EnvironmentConfiguration.cbze
            | EnvironmentConfiguration.cbcfe | (1 << 4)  // CBIE = 01: cbo.inval flushes
        pmp.writeAddress(0, .max)
        pmp.writeConfig(0, 0x1F)  // NAPOT over all memory, RWX
        flushTLB()
        hsmState.store(hartID == 0 ? HSMState.started.rawValue : HSMState.stopped.rawValue, ordering: .releasing)
    }

    /// Enters S-mode at `entry` with a0/a1 set, as the boot hart of a kernel.
    func bootSupervisor(entry: UInt64, arguments: (UInt64, UInt64)) {
        pc = entry
        x[10] = arguments.0
        x[11] = arguments.1
        satp = 0
        mstatus &= ~(MStatus.sie | MStatus.mie)
        setPrivilege(.supervisor)
        flushTLB()
    }
}
