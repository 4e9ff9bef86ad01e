import IsolaCore
import IsolaHost

/// virtio-net (virtio 1.2, 5.1) with one receive and one transmit queue over a
/// `NetworkBackend`. Every frame carries the 12-byte `virtio_net_hdr` of
/// VERSION_1 devices; no offloads are offered, so headers are all zero.
public final class VirtioNet: VirtioDevice, @unchecked Sendable {
    // Sendable: `pending` is guarded by `lock`; queues are served on the I/O thread.
    public let deviceID: UInt32 = 1
    static let featureMAC: UInt64 = 1 << 5
    public let deviceFeatures: UInt64 = VirtioNet.featureMAC
    public let queueSizes: [UInt16] = [256, 256]
    static let receiveQueue = 0, transmitQueue = 1
    static let headerLength = 12
    /// Frames kept while the guest has posted no receive buffers; beyond this they are dropped, as on a wire.
    static let pendingLimit = 512

    public let mac: MACAddress
    private let backend: NetworkBackend
    private let lock = HostMutex()
    private var pending: [[UInt8]] = []
    public weak var transport: VirtioMMIOTransport?

    public init(mac: MACAddress, backend: NetworkBackend) {
        self.mac = mac
        self.backend = backend
    }

    /// Connects the backend; frames it receives are queued for the guest.
    public func start() throws {
        try backend.start { [weak self] frame in self?.deliver(frame) }
    }

    public func stop() {
        backend.stop()
    }

    private func deliver(_ frame: [UInt8]) {
        let queued = lock.withLock { () -> Bool in
            guard pending.count < VirtioNet.pendingLimit else { return false }
            pending.append(frame)
            return true
        }
        if queued { transport?.notify(queue: VirtioNet.receiveQueue) }
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        guard offset >= 0, offset + size <= 6 else { return 0 }
        return mac.bytes[offset..<offset + size].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    public func reset() {
        lock.withLock { pending.removeAll() }
    }

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        if queue == VirtioNet.transmitQueue {
            while let chain = try virtqueue.nextChain() {
                let bytes = virtqueue.read(chain, limit: VirtioNet.headerLength + 65536)
                if bytes.count > VirtioNet.headerLength { backend.send(Array(bytes[VirtioNet.headerLength...])) }
                interrupt = try virtqueue.complete(chain, written: 0) || interrupt
            }
        } else {
            while let frame = lock.withLock({ pending.first }) {
                guard let chain = try virtqueue.nextChain() else { break }  // wait for buffers
                lock.withLock { _ = pending.removeFirst() }
                var header = [UInt8](repeating: 0, count: VirtioNet.headerLength)
                header[10] = 1  // num_buffers
                let packet = header + frame
                // A frame larger than the posted buffers is dropped (the guest sized them).
                let written = UInt64(packet.count) <= chain.writableLength ? virtqueue.write(packet, to: chain) : 0
                interrupt = try virtqueue.complete(chain, written: UInt32(written)) || interrupt
            }
        }
        try virtqueue.publishAvailableEvent()
        if interrupt { transport.signalUsedBuffers() }
    }
}
