#if canImport(Glibc)
import Glibc
#endif
import CIsolaHost

/// The host's monotonic clock, which guest time (`mtime`) follows.
public enum HostClock {
    /// Nanoseconds since an arbitrary fixed point; never goes backwards.
    @inline(__always)
    public static func monotonicNanoseconds() -> UInt64 {
        isola_monotonic_ns()
    }

    /// Nanoseconds since the Unix epoch (wall-clock time, which can jump): how much
    /// real time passed between saving a snapshot and restoring it.
    public static func realtimeNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Sleeps the calling thread (for waits that poll, like a pause taking hold).
    public static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
