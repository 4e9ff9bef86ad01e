import Atomics

/// A thread that does a device's slow work (disk and network I/O) off the vCPU
/// thread: `signal` records which jobs are due and wakes it; it runs them in order.
public final class IOWorker: @unchecked Sendable {
    // Sendable: `pending` is atomic; `job` runs only on the worker thread.
    private let pending = ManagedAtomic<UInt64>(0)
    private let parker = Parker()
    private let stopping = ManagedAtomic<Bool>(false)
    private var thread: HostThread?

    /// Starts a worker that calls `job(bits)` with the bits signalled since its last run.
    public init(name: String, job: @escaping @Sendable (UInt64) -> Void) throws {
        let pending = self.pending, parker = self.parker, stopping = self.stopping
        thread = try HostThread.start(name: name) {
            while !stopping.load(ordering: .acquiring) {
                let bits = pending.exchange(0, ordering: .acquiringAndReleasing)
                if bits != 0 {
                    job(bits)
                } else {
                    parker.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() &+ 100_000_000)
                }
            }
        }
    }

    /// Marks `bits` as due and wakes the worker (any thread).
    public func signal(_ bits: UInt64) {
        pending.loadThenBitwiseOr(with: bits, ordering: .acquiringAndReleasing)
        parker.unpark()
    }

    /// Stops the thread after its current job and waits for it.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        parker.unpark()
        thread?.join()
        thread = nil
    }

    deinit {
        stop()
    }
}
