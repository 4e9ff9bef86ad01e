/// Where a network device's frames go and come from: a switch port, a TAP device.
public protocol NetworkBackend: AnyObject {
    /// What the far side accepts unfinished: a switch passes offloads on to the
    /// receiving VM, which finishes them if its guest cannot; a plain TAP takes none.
    var offloads: PacketOffload.Capabilities { get }
    /// Sends one packet (frame and offload header).
    func send(_ packet: NetworkPacket)
    /// Starts delivering received packets to `handler` (on a thread of the backend's).
    func start(_ handler: @escaping @Sendable (NetworkPacket) -> Void) throws
    func stop()
}
