import IsolaHost

/// The machine's `mtime`: a 10 MHz count that follows the host's monotonic clock,
/// so guest time is real time.
public final class GuestClock: @unchecked Sendable {
    // Sendable: immutable after creation except `offset`, set before harts start.
    public static let frequencyHz: UInt64 = 10_000_000
    private let startNanoseconds: UInt64
    /// Added to the count (a restored guest continues from its saved time).
    public var offset: UInt64 = 0

    public init() {
        startNanoseconds = HostClock.monotonicNanoseconds()
    }

    /// The current `mtime` value.
    @inline(__always)
    public var mtime: UInt64 {
        (HostClock.monotonicNanoseconds() &- startNanoseconds) / 100 &+ offset
    }

    /// The host monotonic time at which `mtime` reaches `value`.
    public func hostNanoseconds(atMtime value: UInt64) -> UInt64 {
        let ticks = value &- offset
        if ticks > (UInt64.max - startNanoseconds) / 100 { return .max }
        return startNanoseconds + ticks * 100
    }
}
