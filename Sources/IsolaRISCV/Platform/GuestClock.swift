import Atomics
import IsolaHost

/// The machine's `mtime`: a 10 MHz count that follows the host's monotonic clock,
/// so guest time is real time.
public final class GuestClock: @unchecked Sendable {
    // Sendable: `startNanoseconds` is immutable; `offsetStorage` is atomic, because a
    // hart writes it (the guest writes `mtime`) while the others read the time.
    public static let frequencyHz: UInt64 = 10_000_000
    private let startNanoseconds: UInt64
    /// Added to the count (a restored guest continues from its saved time).
    private let offsetStorage = ManagedAtomic<UInt64>(0)

    public init() {
        startNanoseconds = HostClock.monotonicNanoseconds()
    }

    public var offset: UInt64 { offsetStorage.load(ordering: .relaxed) }

    /// The current `mtime` value.
    @inline(__always)
    public var mtime: UInt64 {
        count(offset: offsetStorage.load(ordering: .relaxed))
    }

    @inline(__always)
    private func count(offset: UInt64) -> UInt64 {
        (HostClock.monotonicNanoseconds() &- startNanoseconds) / 100 &+ offset
    }

    /// Sets `mtime` to what `target` makes of its current value (a write of one half
    /// keeps the other), as one step: of two harts writing at once, each write is
    /// applied whole, one after the other.
    public func setMtime(_ target: (_ now: UInt64) -> UInt64) {
        var old = offsetStorage.load(ordering: .relaxed)
        while true {
            let now = count(offset: old)
            let new = old &+ (target(now) &- now)
            let (exchanged, current) = offsetStorage.compareExchange(expected: old, desired: new, ordering: .relaxed)
            if exchanged { return }
            old = current
        }
    }

    /// The host monotonic time at which `mtime` reaches `value`.
    public func hostNanoseconds(atMtime value: UInt64) -> UInt64 {
        let ticks = value &- offset
        if ticks > (UInt64.max - startNanoseconds) / 100 { return .max }
        return startNanoseconds + ticks * 100
    }
}
