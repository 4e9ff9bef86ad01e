import IsolaHost

/// A token bucket as Firecracker's rate limiter keeps one: `rate` tokens a second,
/// at most `capacity` saved up. Taking more than there are goes into debt, and the
/// caller waits until the debt is paid, so the long-run rate holds and a burst up to
/// the capacity passes at once.
public final class TokenBucket: @unchecked Sendable {
    // Sendable: guarded by `lock`.
    public let rate: Double
    public let capacity: Double
    private var tokens: Double
    private var updated: UInt64
    private let lock = HostMutex()

    public init(rate: Double, capacity: Double? = nil) {
        self.rate = max(rate, 1)
        self.capacity = max(capacity ?? rate, 1)
        tokens = self.capacity
        updated = HostClock.monotonicNanoseconds()
    }

    /// Takes `amount` tokens; answers how long the caller must wait (0: go now).
    public func take(_ amount: Double, now: UInt64 = HostClock.monotonicNanoseconds()) -> UInt64 {
        lock.withLock {
            if now > updated {
                tokens = min(capacity, tokens + Double(now - updated) / 1e9 * rate)
                updated = now
            }
            tokens -= amount
            return tokens >= 0 ? 0 : UInt64(-tokens / rate * 1e9)
        }
    }
}
