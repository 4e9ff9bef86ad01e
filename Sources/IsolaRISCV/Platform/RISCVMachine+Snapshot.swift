import IsolaCore
import IsolaDevices
import IsolaHost

/// The whole machine's state apart from RAM: every hart, the CLINT, the PLIC, the
/// UART and every virtio device, each in its own versioned encoding, and the guest
/// clock. RAM is saved by `SnapshotFile`, beside it.
extension RISCVMachine {
    public static let stateVersion: UInt32 = 1

    /// How guest time continues after a restore.
    public enum ClockOnRestore: String, Sendable, CaseIterable {
        /// From the time at which the snapshot was taken: the guest sees no time pass.
        case resume
        /// Jumping forward by the real time that passed since the snapshot was taken.
        case sync
    }

    /// Why this machine cannot be saved now, or nil when it can.
    public var snapshotRefusal: String? {
        if context.htif != nil { return "a bare-metal program that uses HTIF cannot be snapshotted" }
        if !context.isPaused { return "the machine is not paused" }
        return nil
    }

    /// Encodes the machine's state. The machine must be paused and its virtio
    /// transports quiesced (`snapshotRefusal` is nil), so nothing changes meanwhile.
    public func saveState(into out: inout SnapshotWriter) {
        out.write(RISCVMachine.stateVersion)
        out.write(UInt32(harts.count))
        out.write(context.ram.size)
        out.write(sbi != nil)
        out.write(context.pausedAtMtime)
        out.write(HostClock.realtimeNanoseconds())
        for hart in harts { hart.saveState(into: &out) }
        context.clint.saveState(into: &out)
        plic.saveState(into: &out)
        uart.saveState(into: &out)
        out.write(UInt32(virtioTransports.count))
        for transport in virtioTransports { transport.saveState(into: &out) }
    }

    /// Puts a freshly made machine of the same configuration (nothing loaded, not yet
    /// run) into the saved state. On an error the machine is half restored and must be
    /// thrown away; the caller has not run it.
    public func restoreState(from input: inout SnapshotReader, clock: ClockOnRestore) throws(SnapshotError) {
        try input.expectVersion(RISCVMachine.stateVersion, of: "machine")
        let hartCount = try input.read(UInt32.self)
        guard hartCount == UInt32(harts.count) else {
            throw .invalid(what: input.what, reason: "saved with \(hartCount) harts; this machine has \(harts.count)")
        }
        let ramSize = try input.read(UInt64.self)
        guard ramSize == context.ram.size else {
            throw .invalid(what: input.what, reason: "saved with \(ramSize >> 20) MiB of RAM; this machine has \(context.ram.size >> 20) MiB")
        }
        let builtInSBI = try input.readBool()
        let savedMtime = try input.read(UInt64.self)
        let savedRealtime = try input.read(UInt64.self)
        if builtInSBI && sbi == nil { installBuiltInSBI() }
        for hart in harts { try hart.restoreState(from: &input) }
        try context.clint.restoreState(from: &input)
        try plic.restoreState(from: &input)
        try uart.restoreState(from: &input)
        let transports = try input.read(UInt32.self)
        guard transports == UInt32(virtioTransports.count) else {
            throw .invalid(what: input.what, reason: "saved with \(transports) virtio devices; this machine has \(virtioTransports.count)")
        }
        for transport in virtioTransports { try transport.restoreState(from: &input) }
        try input.finish()

        var target = savedMtime
        if clock == .sync {
            let now = HostClock.realtimeNanoseconds()
            if now > savedRealtime { target &+= (now - savedRealtime) / (1_000_000_000 / GuestClock.frequencyHz) }
        }
        context.clock.setMtime { _ in target }
    }
}
