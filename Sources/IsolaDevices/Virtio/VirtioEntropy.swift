import IsolaCore
import IsolaHost

/// virtio-rng (virtio 1.2, 5.4): fills each writable buffer with host randomness.
public final class VirtioEntropy: VirtioDevice {
    public let deviceID: UInt32 = 4
    public let deviceFeatures: UInt64 = 0
    public let queueSizes: [UInt16] = [64]
    private let ram: GuestRAM

    public init(ram: GuestRAM) {
        self.ram = ram
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 { 0 }
    public func writeConfig(offset: Int, size: Int, value: UInt64) {}
    public func reset() {}

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        repeat {
            while let chain = try virtqueue.nextChain() {
                var written: UInt32 = 0
                for buffer in chain.writable {
                    // SAFETY: the virtqueue checked every buffer against guest RAM.
                    HostRandom.fill(UnsafeMutableRawBufferPointer(start: ram.hostPointer(buffer.address), count: Int(buffer.length)))
                    written += buffer.length
                }
                interrupt = try virtqueue.complete(chain, written: written) || interrupt
            }
        } while try virtqueue.publishAvailableEvent()
        if interrupt { transport.signalUsedBuffers() }
    }
}

extension VirtioEntropy: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) { out.write(UInt32(1)) }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-rng")
    }
}
