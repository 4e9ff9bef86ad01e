import IsolaCore

/// What a virtio device type supplies to the virtio-mmio transport. Its snapshot
/// state is its own (the transport saves the queues); it is saved only while the
/// transport is quiesced, so nothing is in flight.
public protocol VirtioDevice: AnyObject, SnapshotState {
    /// The virtio device ID (virtio 1.2, 5): 2 block, 4 entropy, ...
    var deviceID: UInt32 { get }
    /// Device-specific feature bits; the transport adds VERSION_1, EVENT_IDX and INDIRECT_DESC.
    var deviceFeatures: UInt64 { get }
    /// Maximum size of each queue; the count is the number of queues.
    var queueSizes: [UInt16] { get }
    /// The device configuration space (read through the transport at 0x100).
    func readConfig(offset: Int, size: Int) -> UInt64
    func writeConfig(offset: Int, size: Int, value: UInt64)
    /// The driver notified `queue`: take and complete what it made available.
    /// Throws when the queue is malformed; the transport then asks for a reset.
    func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError)
    /// The driver reset the device.
    func reset()
}

extension VirtioDevice {
    /// A little-endian read of `size` bytes at `offset` of a configuration space held as
    /// bytes; 0 for an access outside it (the transport passes the driver's offsets on).
    public func configurationValue(_ bytes: [UInt8], offset: Int, size: Int) -> UInt64 {
        guard offset >= 0, size >= 0, offset + size <= bytes.count else { return 0 }
        return bytes[offset..<offset + size].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// Feature bits of the transport and rings (virtio 1.2, 6).
public enum VirtioFeature {
    public static let indirectDescriptors: UInt64 = 1 << 28
    public static let eventIndex: UInt64 = 1 << 29
    public static let version1: UInt64 = 1 << 32
}

/// Device status bits (virtio 1.2, 2.1).
public enum VirtioStatus {
    public static let acknowledge: UInt32 = 1
    public static let driver: UInt32 = 2
    public static let driverOK: UInt32 = 4
    public static let featuresOK: UInt32 = 8
    public static let needsReset: UInt32 = 64
    public static let failed: UInt32 = 128
}
