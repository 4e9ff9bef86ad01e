import IsolaCore
import IsolaHost

/// The Goldfish real-time clock (Android's virtual platform, and QEMU's `virt` board at
/// 0x101000): 64-bit nanoseconds since the Unix epoch, read as two 32-bit halves, and
/// one alarm that raises an interrupt. It follows the host's wall clock plus an offset
/// the guest sets by writing the time (`hwclock -w`), so a guest's date is right from
/// boot. Registers, as Linux's `rtc-goldfish` uses them:
///
///     0x00 TIME_LOW     read: the time's low half, latching the high half; write: set the time
///     0x04 TIME_HIGH    read: the latched high half; write: the high half of the next time set
///     0x08 ALARM_LOW    read: the alarm's low half; write: arm the alarm at (high, low)
///     0x0C ALARM_HIGH   the alarm's high half
///     0x10 IRQ_ENABLED  whether the alarm raises the interrupt
///     0x14 CLEAR_ALARM  write: disarm
///     0x18 ALARM_STATUS read: 1 while armed
///     0x1C CLEAR_INTERRUPT write: lower the interrupt
public final class GoldfishRTC: MMIODevice, SnapshotState, @unchecked Sendable {
    // Sendable: every field is guarded by `lock` (a hart writes while the alarm thread fires).
    public static let size: UInt64 = 0x1000
    private let lock = HostMutex()
    private let interrupt: InterruptLine
    private let wallClock: () -> UInt64
    /// Guest time minus host wall time, in nanoseconds (two's complement).
    private var offset: UInt64 = 0
    private var latchedHigh: UInt32 = 0
    private var pendingTimeHigh: UInt32 = 0
    private var alarm: UInt64 = 0
    private var pendingAlarmHigh: UInt32 = 0
    private var alarmArmed = false
    private var interruptEnabled = false
    private var interruptPending = false
    /// Bumped by every arm and disarm: a waiting alarm thread of an older one does nothing.
    private var alarmGeneration = 0

    /// `wallClock` gives host wall time in nanoseconds (the host's clock; tests pass their own).
    public init(interrupt: InterruptLine, wallClock: @escaping () -> UInt64 = HostClock.realtimeNanoseconds) {
        self.interrupt = interrupt
        self.wallClock = wallClock
    }

    /// The guest's time now, in nanoseconds since the epoch.
    public var nanoseconds: UInt64 { lock.withLock { now() } }

    private func now() -> UInt64 { wallClock() &+ offset }

    public func read(offset register: UInt64, size: Int) -> UInt64 {
        lock.withLock {
            switch register {
            case 0x00:
                let time = now()
                latchedHigh = UInt32(truncatingIfNeeded: time >> 32)
                return time & 0xFFFF_FFFF
            case 0x04: return UInt64(latchedHigh)
            case 0x08: return alarm & 0xFFFF_FFFF
            case 0x0C: return alarm >> 32
            case 0x10: return interruptEnabled ? 1 : 0
            case 0x18: return alarmArmed ? 1 : 0
            default: return 0
            }
        }
    }

    public func write(offset register: UInt64, size: Int, value: UInt64) {
        let word = UInt32(truncatingIfNeeded: value)
        let armed: (UInt64, Int)? = lock.withLock {
            switch register {
            case 0x00:
                offset = (UInt64(pendingTimeHigh) << 32 | UInt64(word)) &- wallClock()
            case 0x04:
                pendingTimeHigh = word
            case 0x08:
                alarm = UInt64(pendingAlarmHigh) << 32 | UInt64(word)
                alarmArmed = true
                alarmGeneration += 1
                return (alarm, alarmGeneration)
            case 0x0C:
                pendingAlarmHigh = word
            case 0x10:
                interruptEnabled = word & 1 != 0
                updateLine()
            case 0x14:
                alarmArmed = false
                alarmGeneration += 1
            case 0x1C:
                interruptPending = false
                updateLine()
            default:
                break
            }
            return nil
        }
        if let (at, generation) = armed { schedule(at: at, generation: generation) }
    }

    /// Called with the lock held.
    private func updateLine() {
        interrupt.setLevel(interruptPending && interruptEnabled)
    }

    /// Fires the alarm at guest time `at` (at once if that has passed), on a thread of its own.
    private func schedule(at: UInt64, generation: Int) {
        let fire = { [self] in
            lock.withLock {
                guard alarmArmed, alarmGeneration == generation else { return }
                alarmArmed = false
                interruptPending = true
                updateLine()
            }
        }
        let delay = lock.withLock { () -> UInt64 in
            let time = now()
            return at > time ? at - time : 0
        }
        if delay == 0 { fire(); return }
        let deadline = HostClock.monotonicNanoseconds() &+ delay
        let started = try? HostThread.start(name: "rtc-alarm") { [self] in
            while HostClock.monotonicNanoseconds() < deadline {
                guard lock.withLock({ alarmArmed && alarmGeneration == generation }) else { return }
                // A second at a time: a disarmed alarm's thread ends soon, an armed one wakes rarely.
                let now = HostClock.monotonicNanoseconds()
                HostClock.sleep(nanoseconds: min(deadline > now ? deadline - now : 0, 1_000_000_000))
            }
            fire()
        }
        started?.detach()
    }

    /// The offset from host wall time, the alarm and the interrupt (version 1). The host
    /// wall time of the save is the machine's; `restoreState` keeps the offset, so the
    /// guest's date follows the host's (and `setBack(by:)` moves it for `--clock resume`).
    public func saveState(into out: inout SnapshotWriter) {
        lock.withLock {
            out.write(UInt32(1))
            out.write(offset)
            out.write(alarm)
            out.write(alarmArmed)
            out.write(interruptEnabled)
            out.write(interruptPending)
        }
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "goldfish RTC")
        let offset = try input.read(UInt64.self), alarm = try input.read(UInt64.self)
        let armed = try input.readBool(), enabled = try input.readBool(), pending = try input.readBool()
        let generation = lock.withLock { () -> Int in
            (self.offset, self.alarm, alarmArmed, interruptEnabled, interruptPending) = (offset, alarm, armed, enabled, pending)
            alarmGeneration += 1
            updateLine()
            return alarmGeneration
        }
        if armed { schedule(at: alarm, generation: generation) }
    }

    /// Moves the guest's time back by `nanoseconds`: a restore that resumes guest time
    /// from the save (`--clock resume`) takes out the host time that passed since.
    public func setBack(by nanoseconds: UInt64) {
        lock.withLock { offset = offset &- nanoseconds }
    }
}
