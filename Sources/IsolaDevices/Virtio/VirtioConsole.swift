import IsolaCore
import IsolaHost

/// virtio-console (virtio 1.2, 5.3) with one port: a second console beside the
/// UART (`/dev/hvc0` in Linux). Output goes to a byte sink; input typed with
/// `receive` fills the buffers the driver posts on the receive queue.
public final class VirtioConsole: VirtioDevice, @unchecked Sendable {
    // Sendable: `pendingInput` is guarded by `lock`; queues are served on the I/O thread.
    public let deviceID: UInt32 = 3
    public let deviceFeatures: UInt64 = 0
    /// receiveq (device to driver) and transmitq (driver to device) of port 0.
    public let queueSizes: [UInt16] = [64, 64]
    static let receiveQueue = 0, transmitQueue = 1

    /// Where the guest's output goes; a container's worker replaces it with its frame
    /// reader before the machine runs (it is read on the I/O thread only).
    public var output: ByteSink
    /// Sees what the guest writes (the machine sets it).
    public var interposer: Interposer?
    let lock = HostMutex()
    var pendingInput: [UInt8] = []
    /// The transport, to re-examine the receive queue when input arrives.
    public weak var transport: VirtioMMIOTransport?

    public init(output: ByteSink) {
        self.output = output
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 { 0 }
    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    public func reset() {
        lock.withLock { pendingInput.removeAll() }
    }

    /// Bytes for the guest to read on its console port (any thread).
    public func receive(_ bytes: [UInt8]) {
        lock.withLock { pendingInput += bytes }
        transport?.notify(queue: VirtioConsole.receiveQueue)
    }

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        repeat {
            if queue == VirtioConsole.transmitQueue {
                while let chain = try virtqueue.nextChain() {
                    let bytes = virtqueue.read(chain)
                    if interposer?.check(InterpositionEvent(.console, "hvc", bytes: UInt64(bytes.count))) ?? .allow == .allow {
                        for byte in bytes { output.write(byte: byte) }
                    }
                    output.flush()
                    interrupt = try virtqueue.complete(chain, written: 0) || interrupt
                }
            } else {
                // Fill posted receive buffers while input is waiting; the rest waits for more buffers.
                while lock.withLock({ !pendingInput.isEmpty }), let chain = try virtqueue.nextChain() {
                    let bytes = lock.withLock { () -> [UInt8] in
                        let n = min(Int(chain.writableLength), pendingInput.count)
                        let taken = Array(pendingInput.prefix(n))
                        pendingInput.removeFirst(n)
                        return taken
                    }
                    let written = virtqueue.write(bytes, to: chain)
                    interrupt = try virtqueue.complete(chain, written: UInt32(written)) || interrupt
                }
            }
        } while try virtqueue.publishAvailableEvent() && (queue == VirtioConsole.transmitQueue || lock.withLock({ !pendingInput.isEmpty }))
        if interrupt { transport.signalUsedBuffers() }
    }
}

/// Typed input the guest has not read yet is kept.
extension VirtioConsole: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) {
        out.write(UInt32(1))
        out.write(lock.withLock { pendingInput })
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-console")
        let bytes = try input.readArray(UInt8.self)
        lock.withLock { pendingInput = bytes }
    }
}
