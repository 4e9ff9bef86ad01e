import Atomics
import IsolaCore

/// virtio-balloon (virtio 1.2, 5.5): the monitor sets a target; the driver
/// inflates by handing over guest pages, which go back to the host
/// (`madvise(MADV_DONTNEED)`, visible in the process's RSS), and deflates by
/// taking pages back (they return, zero-filled, when the guest touches them).
public final class VirtioBalloon: VirtioDevice, @unchecked Sendable {
    // Sendable: `target` and `actual` are atomics; queue processing runs on the I/O thread.
    public let deviceID: UInt32 = 5
    /// VIRTIO_BALLOON_F_DEFLATE_ON_OOM: the guest may take pages back when it runs short.
    public let deviceFeatures: UInt64 = 1 << 2
    public let queueSizes: [UInt16] = [128, 128]
    public static let pageSize: UInt64 = 4096

    let ram: GuestRAM
    let targetPages = ManagedAtomic<UInt32>(0)
    let actualPages = ManagedAtomic<UInt32>(0)
    /// Pages the driver has given back to the host and not yet reclaimed.
    public private(set) var inflatedPages = ManagedAtomic<Int>(0)

    public init(ram: GuestRAM) {
        self.ram = ram
    }

    /// The size the monitor asks the balloon to have, in 4 KiB pages (`num_pages`).
    public var target: UInt32 { targetPages.load(ordering: .relaxed) }
    /// The size the driver reports (`actual`).
    public var actual: UInt32 { actualPages.load(ordering: .relaxed) }

    /// Sets the target; the transport then tells the driver its configuration changed.
    public func setTarget(pages: UInt32, transport: VirtioMMIOTransport) {
        targetPages.store(pages, ordering: .relaxed)
        transport.signalConfigurationChange()
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        switch (offset, size) {
        case (0, 4): return UInt64(target)
        case (4, 4): return UInt64(actual)
        default: return 0
        }
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        if offset == 4 && size == 4 { actualPages.store(UInt32(truncatingIfNeeded: value), ordering: .relaxed) }
    }

    public func reset() {
        actualPages.store(0, ordering: .relaxed)
    }

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        repeat {
            while let chain = try virtqueue.nextChain() {
                // The buffers hold 32-bit page frame numbers of 4 KiB pages.
                let bytes = virtqueue.read(chain)
                for i in stride(from: 0, to: bytes.count - 3, by: 4) {
                    let pfn = UInt64(bytes[i]) | UInt64(bytes[i + 1]) << 8 | UInt64(bytes[i + 2]) << 16 | UInt64(bytes[i + 3]) << 24
                    let address = pfn * VirtioBalloon.pageSize
                    guard ram.contains(address, length: VirtioBalloon.pageSize) else { continue }  // not ours to free
                    if queue == 0 {
                        if ram.discard(at: address, length: VirtioBalloon.pageSize) { inflatedPages.wrappingIncrement(ordering: .relaxed) }
                    } else {
                        inflatedPages.wrappingDecrement(ordering: .relaxed)
                    }
                }
                interrupt = try virtqueue.complete(chain, written: 0) || interrupt
            }
        } while try virtqueue.publishAvailableEvent()
        if interrupt { transport.signalUsedBuffers() }
    }
}

/// The target the monitor set, the size the driver reported, and how many pages are
/// out of the guest (their RAM is zero, and zero pages are not saved).
extension VirtioBalloon: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) {
        out.write(UInt32(1))
        out.write(target)
        out.write(actual)
        out.write(UInt64(max(0, inflatedPages.load(ordering: .relaxed))))
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-balloon")
        let (savedTarget, savedActual, inflated) = (try input.read(UInt32.self), try input.read(UInt32.self), try input.read(UInt64.self))
        guard inflated <= ram.size / VirtioBalloon.pageSize else {
            throw .invalid(what: input.what, reason: "\(inflated) pages in the balloon, more than RAM holds")
        }
        targetPages.store(savedTarget, ordering: .relaxed)
        actualPages.store(savedActual, ordering: .relaxed)
        inflatedPages.store(Int(inflated), ordering: .relaxed)
    }
}
