import Atomics
import IsolaHost

/// A network backend on a host TAP interface (`--net tap:IFNAME`), for real connectivity.
public final class TapBackend: NetworkBackend, @unchecked Sendable {
    // Sendable: the TAP device is thread-safe; `stopping` is atomic.
    private let tap: TapDevice
    private let stopping = ManagedAtomic<Bool>(false)
    private var thread: HostThread?

    public init(interface: String) throws {
        tap = try TapDevice(name: interface)
    }

    /// A TAP interface opened without IFF_VNET_HDR takes finished frames only.
    public let offloads = PacketOffload.Capabilities.none

    public func send(_ packet: NetworkPacket) {
        tap.write(packet.frame)
    }

    public func start(_ handler: @escaping @Sendable (NetworkPacket) -> Void) throws {
        let tap = self.tap, stopping = self.stopping
        thread = try HostThread.start(name: "tap-\(tap.name)") {
            while !stopping.load(ordering: .acquiring) {
                if let frame = tap.read(timeoutMilliseconds: 100) { handler(NetworkPacket(frame: frame)) }
            }
        }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }
}
