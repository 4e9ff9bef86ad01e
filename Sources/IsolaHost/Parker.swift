#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets one thread sleep until a deadline or until another thread unparks it;
/// a hart in `wfi` parks here so an idle guest costs no host CPU.
public final class Parker: @unchecked Sendable {
    // Sendable: all state is guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var permit = false

    public init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Sleeps until `unpark` is called or the monotonic clock reaches `deadlineNanoseconds`.
    /// An `unpark` that came before `park` makes `park` return at once.
    public func park(untilMonotonicNanoseconds deadline: UInt64) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !permit {
            let now = HostClock.monotonicNanoseconds()
            if now >= deadline { break }
            #if canImport(Glibc)
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            let rc = pthread_cond_timedwait(condition, mutex, &ts)
            #else
            let wait = deadline - now
            var ts = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
            let rc = pthread_cond_timedwait_relative_np(condition, mutex, &ts)
            #endif
            if rc == ETIMEDOUT { break }
        }
        permit = false
    }

    /// Wakes the parked thread, or makes its next `park` return immediately.
    public func unpark() {
        pthread_mutex_lock(mutex)
        permit = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }
}
