import Atomics
import IsolaHost

/// A port on a virtual Ethernet switch. The switch is a directory of Unix
/// datagram sockets, one per port; every port learns which MAC lives behind
/// which socket from the frames it receives, sends known unicast frames to
/// that socket only and floods the rest. VMs in one process or in many
/// processes meet on the same switch by name.
public final class SwitchPort: NetworkBackend, @unchecked Sendable {
    // Sendable: `learned` is guarded by `lock`; the socket is thread-safe.
    public let switchName: String
    public let directory: String
    private let socket: UnixDatagramSocket
    private let lock = HostMutex()
    private var learned: [MACAddress: String] = [:]
    private var thread: HostThread?
    private let stopping = ManagedAtomic<Bool>(false)

    /// Where switches live: `$ISOLA_RUNTIME_DIR`, or `/tmp/isola-<uid>`.
    public static func directory(forSwitch name: String) -> String {
        let base = HostEnvironment.value("ISOLA_RUNTIME_DIR") ?? "/tmp/isola-\(HostEnvironment.userID)"
        return base + "/switch-" + name
    }

    public init(switchName: String, portName: String) throws {
        guard !switchName.isEmpty, switchName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw HostError.io(operation: "switch name (letters, digits, - and _)", path: switchName, errno: 22)
        }
        self.switchName = switchName
        directory = SwitchPort.directory(forSwitch: switchName)
        try UnixDatagramSocket.makeDirectory(directory)
        socket = try UnixDatagramSocket(bindingTo: directory + "/" + portName + ".sock")
    }

    /// Packets cross the switch with their offload header, so a TSO packet travels as
    /// one datagram and the receiving VM finishes it only if its guest must have that done.
    public let offloads = PacketOffload.Capabilities.all
    /// The largest datagram: the header and a frame of 64 KiB of IP packet.
    static let datagramLimit = VirtioNetHeader.length + NetworkPacket.maximumFrameLength

    public func send(_ packet: NetworkPacket) {
        let frame = packet.frame
        guard frame.count >= 14 else { return }
        let datagram = packet.header.encoded() + frame
        let destination = MACAddress(Array(frame[0..<6]))
        if !destination.isMulticast, let peer = lock.withLock({ learned[destination] }) {
            if socket.send(datagram, to: peer) == 0 { return }
            lock.withLock { _ = learned.removeValue(forKey: destination) }
        }
        for peer in UnixDatagramSocket.sockets(in: directory) where peer != socket.path {
            // A socket file nobody listens on belongs to a port that is gone.
            if socket.send(datagram, to: peer) == 111 /* ECONNREFUSED */ { UnixDatagramSocket.removeStale(peer) }
        }
    }

    public func start(_ handler: @escaping @Sendable (NetworkPacket) -> Void) throws {
        let socket = self.socket, stopping = self.stopping
        thread = try HostThread.start(name: "switch-\(switchName)") { [weak self] in
            while !stopping.load(ordering: .acquiring), let (datagram, from) = socket.receive(maximum: SwitchPort.datagramLimit) {
                let h = VirtioNetHeader.length
                guard datagram.count >= h + 14 else { continue }
                let source = MACAddress(Array(datagram[h + 6..<h + 12]))
                if !source.isMulticast, !from.isEmpty { self?.lock.withLock { self?.learned[source] = from } }
                handler(NetworkPacket(header: VirtioNetHeader(bytes: datagram[0..<h]), frame: Array(datagram[h...])))
            }
        }
    }

    /// Stops the receive thread: a datagram to its own socket wakes it to see the flag
    /// (shutdown does not wake a blocked recvfrom on an unconnected datagram socket).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        _ = socket.send([], to: socket.path)
        thread?.join()
        thread = nil
    }
}
