import CIsolaHost

/// The host's monotonic clock, which guest time (`mtime`) follows.
public enum HostClock {
    /// Nanoseconds since an arbitrary fixed point; never goes backwards.
    @inline(__always)
    public static func monotonicNanoseconds() -> UInt64 {
        isola_monotonic_ns()
    }
}
