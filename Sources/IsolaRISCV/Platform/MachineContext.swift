import Atomics
import IsolaCore
import IsolaHost

/// What every hart of one machine shares: RAM, the MMIO bus, the clock, the CLINT,
/// and the machine's power state.
public final class MachineContext: PowerControl, @unchecked Sendable {
    // Sendable: fields are set up before harts start; afterwards only the
    // atomics and the lock-protected power request change.
    public let ram: GuestRAM
    public let bus: PhysicalBus
    public let clock: GuestClock
    public let clint: CLINT
    /// RAM pages whose stores the platform must observe (HTIF `tohost`).
    public var watchedPages: [UInt64] = []
    public var htif: HTIF?
    /// Sees every event that leaves a hart (the machine installs one naming its devices).
    public var interposer = Interposer(devices: [], auditPath: nil)

    /// Set when the guest asked to power off or reset; harts stop at the next block boundary.
    public let stopRequested = ManagedAtomic<Bool>(false)
    /// Set while the monitor holds the machine paused; harts wait at their next block boundary.
    public let pauseRequested = ManagedAtomic<Bool>(false)
    /// Set while the VM has used up its CPU time for the current period (a cap);
    /// harts wait at their next block boundary, guest time runs on.
    public let throttled = ManagedAtomic<Bool>(false)
    /// Harts with this id or above may not be started (SBI HSM `hart_start` answers
    /// SBI_ERR_DENIED): the vCPUs the monitor has unplugged.
    public let startableHarts = ManagedAtomic<Int>(Int.max)
    /// How many harts are waiting in a pause.
    public let pausedHarts = ManagedAtomic<Int>(0)
    /// `mtime` when the pause began: guest time does not pass while the machine is paused.
    public private(set) var pausedAtMtime: UInt64 = 0
    private let powerLock = HostMutex()
    private var _powerRequest: PowerRequest?

    public init(ram: GuestRAM, bus: PhysicalBus, clock: GuestClock, clint: CLINT) {
        self.ram = ram
        self.bus = bus
        self.clock = clock
        self.clint = clint
    }

    /// The first poweroff or reset the guest asked for.
    public var powerRequest: PowerRequest? {
        powerLock.withLock { _powerRequest }
    }

    public func request(_ request: PowerRequest) {
        powerLock.withLock {
            if _powerRequest == nil { _powerRequest = request }
        }
        stopRequested.store(true, ordering: .releasing)
        for hart in clint.harts { hart.kick() }
    }

    /// Whether every hart is waiting in a pause.
    public var isPaused: Bool {
        pauseRequested.load(ordering: .acquiring) && pausedHarts.load(ordering: .acquiring) == clint.harts.count
    }

    /// Stops every hart at an instruction boundary and freezes guest time. Answers
    /// false (and resumes) if the harts do not all stop within `timeoutNanoseconds`.
    /// A pause a hart asked for (`requestPause`) is waited for like one's own.
    @discardableResult
    public func pause(timeoutNanoseconds: UInt64 = 5_000_000_000) -> Bool {
        guard !pauseRequested.exchange(true, ordering: .acquiringAndReleasing) else {
            let deadline = HostClock.monotonicNanoseconds() &+ timeoutNanoseconds
            while !isPaused && !stopRequested.load(ordering: .acquiring) && HostClock.monotonicNanoseconds() < deadline {
                HostClock.sleep(nanoseconds: 200_000)
            }
            return isPaused
        }
        for hart in clint.harts { hart.kick() }
        let deadline = HostClock.monotonicNanoseconds() &+ timeoutNanoseconds
        while pausedHarts.load(ordering: .acquiring) < clint.harts.count && !stopRequested.load(ordering: .acquiring) {
            guard HostClock.monotonicNanoseconds() < deadline else {
                pauseRequested.store(false, ordering: .releasing)
                for hart in clint.harts { hart.kick() }
                return false
            }
            HostClock.sleep(nanoseconds: 200_000)
        }
        pausedAtMtime = clock.mtime
        return true
    }

    /// Asks every hart to stop at its next boundary, without waiting: a hart that hit a
    /// debugger's breakpoint stops the machine this way, and the debugger's `pause()`
    /// then waits for the others. Before the harts run, the machine starts paused.
    public func requestPause() {
        guard !pauseRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pausedAtMtime = clock.mtime
        for hart in clint.harts { hart.kick() }
    }

    /// Lets the harts go on; guest time continues from where the pause froze it.
    public func resume() {
        guard pauseRequested.load(ordering: .acquiring) else { return }
        let frozen = pausedAtMtime
        clock.setMtime { _ in frozen }
        pauseRequested.store(false, ordering: .releasing)
        for hart in clint.harts { hart.kick() }
    }

    /// Holds every hart at its next block boundary until `unthrottle`: the guest has
    /// had its share of host CPU for this period. Unlike a pause, devices run on and
    /// guest time passes, as it would for a guest whose host is busy.
    public func throttle() {
        throttled.store(true, ordering: .releasing)
        for hart in clint.harts { hart.kick() }
    }

    public func unthrottle() {
        guard throttled.exchange(false, ordering: .acquiringAndReleasing) else { return }
        for hart in clint.harts { hart.kick() }
    }

    /// Stops all harts without a guest request (the user quit).
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        for hart in clint.harts { hart.kick() }
    }
}
