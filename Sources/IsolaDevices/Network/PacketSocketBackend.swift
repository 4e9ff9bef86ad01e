import Atomics
import IsolaHost

/// A network backend on a host interface through a packet socket: a container's VM
/// on the interface CNI put in its network namespace (`HostNetworkNamespace`).
public final class PacketSocketBackend: NetworkBackend, @unchecked Sendable {
    // Sendable: the socket is thread-safe; `stopping` is atomic.
    private let socket: Int32
    private let stopping = ManagedAtomic<Bool>(false)
    private var thread: HostThread?

    public init(socket: Int32) {
        self.socket = socket
    }

    /// An interface's packet socket takes finished frames only.
    public let offloads = PacketOffload.Capabilities.none

    public func send(_ packet: NetworkPacket) {
        HostNetworkNamespace.send(socket, packet.frame)
    }

    public func start(_ handler: @escaping @Sendable (NetworkPacket) -> Void) throws {
        let socket = self.socket, stopping = self.stopping
        thread = try HostThread.start(name: "packet-socket") {
            while !stopping.load(ordering: .acquiring) {
                if let frame = HostNetworkNamespace.receive(socket, milliseconds: 100) { handler(NetworkPacket(frame: frame)) }
            }
        }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }
}
