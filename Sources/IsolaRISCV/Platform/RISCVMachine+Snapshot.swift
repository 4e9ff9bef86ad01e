import IsolaCore
import IsolaDevices
import IsolaHost

/// The whole machine's state apart from RAM: every hart, the CLINT, the PLIC, the
/// UART and every virtio device, each in its own versioned encoding, and the guest
/// clock. RAM is saved by `SnapshotFile`, beside it.
extension RISCVMachine {
    /// 2 added the real-time clock after the UART; version 1 files restore with the clock
    /// at host time.
    public static let stateVersion: UInt32 = 2

    /// How guest time continues after a restore (`SnapshotClock`, which names no machine).
    public typealias ClockOnRestore = SnapshotClock

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
        rtc.saveState(into: &out)
        out.write(UInt32(virtioTransports.count))
        for transport in virtioTransports { transport.saveState(into: &out) }
    }

    /// Puts a freshly made machine of the same configuration (nothing loaded, not yet
    /// run) into the saved state. On an error the machine is half restored and must be
    /// thrown away; the caller has not run it.
    public func restoreState(from input: inout SnapshotReader, clock: ClockOnRestore) throws(SnapshotError) {
        let version = try input.read(UInt32.self)
        guard version == 1 || version == RISCVMachine.stateVersion else {
            throw .invalid(what: input.what, reason: "machine state version \(version); this Isola reads 1 and \(RISCVMachine.stateVersion)")
        }
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
        if version >= 2 { try rtc.restoreState(from: &input) }
        let transports = try input.read(UInt32.self)
        guard transports == UInt32(virtioTransports.count) else {
            throw .invalid(what: input.what, reason: "saved with \(transports) virtio devices; this machine has \(virtioTransports.count)")
        }
        for transport in virtioTransports { try transport.restoreState(from: &input) }
        try input.finish()

        var target = savedMtime
        let now = HostClock.realtimeNanoseconds()
        if clock == .sync {
            if now > savedRealtime { target &+= (now - savedRealtime) / (1_000_000_000 / GuestClock.frequencyHz) }
        } else if now > savedRealtime {
            rtc.setBack(by: now - savedRealtime)  // the guest's date resumes from the save too
        }
        context.clock.setMtime { _ in target }
    }
}
