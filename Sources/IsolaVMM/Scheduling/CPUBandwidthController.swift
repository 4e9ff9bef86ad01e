import IsolaHost
import IsolaRISCV

/// Holds a VM to its CPU cap the way CFS bandwidth control holds a cgroup: a quota of
/// host CPU time per period; once the VM's threads have used it, its harts wait at
/// their next block boundary until the period ends. Time used beyond the quota (the
/// harts take a moment to notice) is a debt paid from the next period, so the long-run
/// share is the cap. Devices and guest time run on while the harts wait.
public final class CPUBandwidthController: @unchecked Sendable {
    // Sendable: `capPercent` and the counters are guarded by `lock`; the thread owns the rest.
    public static let periodNanoseconds: UInt64 = 100_000_000
    /// The shortest sleep between looks at the clock.
    static let minimumWaitNanoseconds: UInt64 = 200_000

    private let context: MachineContext
    private let harts: Int
    private let lock = HostMutex()
    private let parker = Parker()
    private var capPercent: Int?
    private var started = false
    private var throttledPeriodCount: UInt64 = 0

    init(context: MachineContext, harts: Int) {
        self.context = context
        self.harts = max(harts, 1)
    }

    /// The cap in percent of one host CPU (150 is one and a half CPUs); nil is no cap.
    public var cap: Int? {
        lock.withLock { capPercent }
    }

    /// Periods in which the VM used its whole quota and its harts were held.
    public var throttledPeriods: UInt64 {
        lock.withLock { throttledPeriodCount }
    }

    public func setCap(_ percent: Int?) throws {
        let startNow = lock.withLock { () -> Bool in
            capPercent = percent
            defer { started = started || percent != nil }
            return !started && percent != nil
        }
        if startNow {
            try HostThread.start(name: "cpu-bandwidth") { [self] in enforce() }.detach()
        }
        parker.unpark()
    }

    private func enforce() {
        let period = Int64(CPUBandwidthController.periodNanoseconds)
        var periodStart = HostClock.monotonicNanoseconds()
        var cpuAtStart = HostScheduling.processCPUNanoseconds()
        var debt: Int64 = 0
        var throttledThisPeriod = false
        while !context.stopRequested.load(ordering: .acquiring) {
            let now = HostClock.monotonicNanoseconds()
            let used = Int64(HostScheduling.processCPUNanoseconds() &- cpuAtStart)
            guard let cap = self.cap else {
                context.unthrottle()
                debt = 0
                parker.park(untilMonotonicNanoseconds: now &+ UInt64(period))
                (periodStart, cpuAtStart) = (HostClock.monotonicNanoseconds(), HostScheduling.processCPUNanoseconds())
                continue
            }
            let quota = Int64(cap) * period / 100 - debt
            let periodEnd = periodStart &+ UInt64(period)
            if now >= periodEnd {
                // What went over this period's quota is owed by the next; more than a
                // period's worth would only mean a long stall, so it is forgiven.
                debt = min(max(used - quota, 0), period)
                (periodStart, cpuAtStart) = (now, HostScheduling.processCPUNanoseconds())
                throttledThisPeriod = false
                context.unthrottle()
                continue
            }
            if used >= quota {
                context.throttle()
                if !throttledThisPeriod {
                    throttledThisPeriod = true
                    lock.withLock { throttledPeriodCount += 1 }
                }
                parker.park(untilMonotonicNanoseconds: periodEnd)
                continue
            }
            // With every hart busy the quota lasts (quota - used) / harts: look again then.
            let wait = max(UInt64((quota - used) / Int64(harts)), CPUBandwidthController.minimumWaitNanoseconds)
            parker.park(untilMonotonicNanoseconds: min(now &+ wait, periodEnd))
        }
    }
}
