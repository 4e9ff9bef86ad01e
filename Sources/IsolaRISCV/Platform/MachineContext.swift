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

    /// Set when the guest asked to power off or reset; harts stop at the next block boundary.
    public let stopRequested = ManagedAtomic<Bool>(false)
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

    /// Stops all harts without a guest request (the user quit).
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        for hart in clint.harts { hart.kick() }
    }
}
