import IsolaCore
import IsolaHost

/// virtio-net (virtio 1.2, 5.1) with one receive and one transmit queue over a
/// `NetworkBackend`. Checksum offload and TCP segmentation offload (TSO, IPv4 and
/// IPv6) are offered both ways: a guest hands over TCP packets of up to 64 KiB
/// with the checksum left undone, which is what makes guest-to-guest TCP cheap
/// for an emulated CPU. Whatever a receiver (a guest without the feature, a TAP
/// interface) cannot take is finished in software by `PacketOffload`.
public final class VirtioNet: VirtioDevice, @unchecked Sendable {
    // Sendable: `pending` is guarded by `lock`; queues are served on the I/O thread.
    public let deviceID: UInt32 = 1
    static let featureChecksum: UInt64 = 1 << 0, featureGuestChecksum: UInt64 = 1 << 1, featureMAC: UInt64 = 1 << 5
    static let featureGuestTSO4: UInt64 = 1 << 7, featureGuestTSO6: UInt64 = 1 << 8
    static let featureHostTSO4: UInt64 = 1 << 11, featureHostTSO6: UInt64 = 1 << 12
    public let deviceFeatures: UInt64 = VirtioNet.featureMAC | VirtioNet.featureChecksum | VirtioNet.featureGuestChecksum
        | VirtioNet.featureGuestTSO4 | VirtioNet.featureGuestTSO6 | VirtioNet.featureHostTSO4 | VirtioNet.featureHostTSO6
    public let queueSizes: [UInt16] = [256, 256]
    /// Sees every frame in and out (the machine sets it).
    public var interposer: Interposer?
    static let receiveQueue = 0, transmitQueue = 1
    static let headerLength = VirtioNetHeader.length
    /// Frames kept while the guest has posted no receive buffers; beyond this they are dropped, as on a wire.
    static let pendingLimit = 512

    public let mac: MACAddress
    private let backend: NetworkBackend
    private let lock = HostMutex()
    private var pending: [NetworkPacket] = []
    public weak var transport: VirtioMMIOTransport?

    public init(mac: MACAddress, backend: NetworkBackend) {
        self.mac = mac
        self.backend = backend
    }

    /// Connects the backend; frames it receives are queued for the guest.
    public func start() throws {
        try backend.start { [weak self] packet in self?.deliver(packet) }
    }

    public func stop() {
        backend.stop()
    }

    private func deliver(_ packet: NetworkPacket) {
        let event = InterpositionEvent(.net, "rx", bytes: UInt64(packet.frame.count))
        guard interposer?.check(event) ?? .allow == .allow else { return }  // dropped, as on a wire
        let queued = lock.withLock { () -> Bool in
            guard pending.count < VirtioNet.pendingLimit else { return false }
            pending.append(packet)
            return true
        }
        if queued { transport?.notify(queue: VirtioNet.receiveQueue) }
    }

    /// The offloads the guest's driver negotiated for received packets.
    func guestOffloads(_ features: UInt64) -> PacketOffload.Capabilities {
        PacketOffload.Capabilities(checksum: features & VirtioNet.featureGuestChecksum != 0,
                                   tcpv4Segmentation: features & VirtioNet.featureGuestTSO4 != 0,
                                   tcpv6Segmentation: features & VirtioNet.featureGuestTSO6 != 0)
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        configurationValue(mac.bytes, offset: offset, size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    public func reset() {
        lock.withLock { pending.removeAll() }
    }

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        // Receive buffers stay posted until frames come, so only waiting frames make
        // newly arrived buffers worth another pass.
        repeat {
            if queue == VirtioNet.transmitQueue {
                while let chain = try virtqueue.nextChain() {
                    let bytes = virtqueue.read(chain, limit: VirtioNet.headerLength + NetworkPacket.maximumFrameLength)
                    if bytes.count > VirtioNet.headerLength {
                        let packet = NetworkPacket(header: VirtioNetHeader(bytes: bytes[0..<VirtioNet.headerLength]),
                                                   frame: Array(bytes[VirtioNet.headerLength...]))
                        // A packet that does not parse as what its header claims is dropped, as a NIC would.
                        let event = InterpositionEvent(.net, "tx", bytes: UInt64(packet.frame.count))
                        if interposer?.check(event) ?? .allow == .allow {
                            for ready in PacketOffload.prepare(packet, for: backend.offloads) ?? [] { backend.send(ready) }
                        }
                    }
                    interrupt = try virtqueue.complete(chain, written: 0) || interrupt
                }
            } else {
                let accepted = guestOffloads(transport.driverFeatures)
                delivery: while let packet = lock.withLock({ pending.first }) {
                    lock.withLock { _ = pending.removeFirst() }
                    // A segmented packet the guest cannot take becomes several frames, each needing a buffer.
                    var frames = PacketOffload.prepare(packet, for: accepted) ?? []
                    while let ready = frames.first {
                        guard let chain = try virtqueue.nextChain() else {  // wait for buffers
                            lock.withLock { pending.insert(contentsOf: frames, at: 0) }
                            break delivery
                        }
                        frames.removeFirst()
                        let bytes = ready.header.encoded() + ready.frame
                        // A frame larger than the posted buffers is dropped (the guest sized them).
                        let written = UInt64(bytes.count) <= chain.writableLength ? virtqueue.write(bytes, to: chain) : 0
                        interrupt = try virtqueue.complete(chain, written: UInt32(written)) || interrupt
                    }
                }
            }
        } while try virtqueue.publishAvailableEvent() && (queue == VirtioNet.transmitQueue || lock.withLock({ !pending.isEmpty }))
        if interrupt { transport.signalUsedBuffers() }
    }
}

/// Frames received while paused and not yet given to the guest are not saved: they
/// are lost, as on a wire, and the guest's TCP resends them.
extension VirtioNet: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) { out.write(UInt32(1)) }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-net")
    }
}
