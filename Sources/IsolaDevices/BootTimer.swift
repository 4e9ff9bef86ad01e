import IsolaCore
import IsolaHost

/// A spare MMIO word the guest's `/init` writes once userspace starts (as
/// Firecracker's and Cloud Hypervisor's boot timers do), so the monitor can
/// report the time from VM start to init.
public final class BootTimer: MMIODevice, @unchecked Sendable {
    // Sendable: written by the vCPU thread that stores to it, read after the run.
    private let startNanoseconds: UInt64
    /// Nanoseconds from VM start to the guest's first write, once it happened.
    public private(set) var bootNanoseconds: UInt64?
    /// Called once, on the vCPU thread, when the guest writes the register.
    public var onBoot: (UInt64) -> Void

    public init(startNanoseconds: UInt64 = HostClock.monotonicNanoseconds(), onBoot: @escaping (UInt64) -> Void = { _ in }) {
        self.startNanoseconds = startNanoseconds
        self.onBoot = onBoot
    }

    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard bootNanoseconds == nil else { return }
        let elapsed = HostClock.monotonicNanoseconds() - startNanoseconds
        bootNanoseconds = elapsed
        onBoot(elapsed)
    }
}
