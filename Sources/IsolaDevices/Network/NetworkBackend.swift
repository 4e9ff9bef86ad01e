/// Where a network device's frames go and come from: a switch port, a TAP device.
public protocol NetworkBackend: AnyObject {
    /// Sends one Ethernet frame (without the virtio header).
    func send(_ frame: [UInt8])
    /// Starts delivering received frames to `handler` (on a thread of the backend's).
    func start(_ handler: @escaping @Sendable ([UInt8]) -> Void) throws
    func stop()
}
