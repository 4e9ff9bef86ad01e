import CIsolaHost
#if canImport(Glibc)
import Glibc
#endif

/// A network namespace's interface, joined as Kata Containers joins a pod's: the
/// VM's virtio-net sends and receives on the interface CNI made (a packet socket),
/// and the guest takes the interface's address and default route, which the
/// namespace gives up so that only the guest answers for them.
public struct HostNetworkNamespace: Sendable, Codable {
    public let interface: String
    public let mac: [UInt8]
    /// IPv4 address and prefix length (0 when the interface had none), and the gateway (0: none).
    public let address: UInt32, prefix: UInt32, gateway: UInt32, mtu: UInt32
    /// The packet socket bound to the interface.
    public let socket: Int32

    public static func attach(path: String) throws -> HostNetworkNamespace {
        var info = isola_namespace_interface()
        let fd = isola_namespace_attach(path, &info)
        guard fd >= 0 else { throw HostError.io(operation: "join the network namespace", path: path, errno: -fd) }
        // SAFETY: both fields are fixed-size arrays inside `info`, read as bytes inside the closures.
        let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let mac = withUnsafeBytes(of: info.mac) { Array($0) }
        return HostNetworkNamespace(interface: name, mac: mac, address: info.address, prefix: info.prefix,
                                    gateway: info.gateway, mtu: info.mtu, socket: fd)
    }

    /// Gives the namespace back what `attach` took (the address and route), once the
    /// guest that answered for them is gone.
    public static func giveBack(path: String, interface: String, address: UInt32, prefix: UInt32, gateway: UInt32) throws {
        var info = isola_namespace_interface()
        // SAFETY: the name (at most 15 bytes and a NUL) is copied into the 16-byte field inside the closure.
        withUnsafeMutableBytes(of: &info.name) { field in
            for (i, byte) in interface.utf8.prefix(15).enumerated() { field[i] = byte }
        }
        info.address = address
        info.prefix = prefix
        info.gateway = gateway
        let rc = isola_namespace_give_back(path, &info)
        guard rc == 0 else { throw HostError.io(operation: "give the address back to", path: path, errno: -rc) }
    }

    public static func dotted(_ address: UInt32) -> String {
        "\(address >> 24).\((address >> 16) & 0xFF).\((address >> 8) & 0xFF).\(address & 0xFF)"
    }

    /// One frame from `socket` within `milliseconds`, or nil.
    public static func receive(_ socket: Int32, milliseconds: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536 + 14)
        // SAFETY: the call writes at most buffer.count bytes into the buffer.
        let n = buffer.withUnsafeMutableBytes { isola_packet_receive(socket, $0.baseAddress, $0.count, milliseconds) }
        return n > 0 ? Array(buffer.prefix(n)) : nil
    }

    public static func send(_ socket: Int32, _ frame: [UInt8]) {
        // SAFETY: write(2) reads frame.count bytes of the array inside the closure.
        _ = frame.withUnsafeBytes { Glibc.write(socket, $0.baseAddress, $0.count) }
    }
}
