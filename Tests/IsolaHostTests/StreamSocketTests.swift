import Foundation
import IsolaHost
import Testing

/// The monitor's socket: a round trip, and a peer that never answers is a timeout, not
/// a wait without end (the hypervisor's requests must not hang on a wedged worker);
/// the gdb stub's TCP listener on a port the system picks.
@Suite struct StreamSocketTests {
    static func path() -> String { NSTemporaryDirectory() + "isola-sock-\(UUID().uuidString.prefix(8)).sock" }

    @Test func aLineAndItsAnswer() throws {
        let path = Self.path()
        let listener = try StreamSocket.listen(at: path)
        let server = Thread {
            guard let client = listener.accept(), let line = client.readLine() else { return }
            client.write("echo " + line)
            client.shutDown()
        }
        server.start()
        let connection = try StreamSocket.connect(to: path)
        connection.write("info\n")
        #expect(String(decoding: try connection.readToEnd(timeoutNanoseconds: 5_000_000_000), as: UTF8.self) == "echo info")
    }

    @Test func aSilentPeerTimesOut() throws {
        let path = Self.path()
        let listener = try StreamSocket.listen(at: path)
        let connection = try StreamSocket.connect(to: path)
        let held = listener.accept()  // accepted, and never answered
        let began = Date()
        #expect(throws: HostError.io(operation: "read", path: path, errno: ETIMEDOUT)) {
            try connection.readToEnd(timeoutNanoseconds: 200_000_000)
        }
        #expect(Date().timeIntervalSince(began) < 5)
        withExtendedLifetime(held) {}
    }

    @Test func listeningWhereAnotherListensIsRefused() throws {
        let path = Self.path()
        let first = try StreamSocket.listen(at: path)
        #expect(throws: HostError.io(operation: "listen", path: path, errno: HostError.addressInUse)) {
            try StreamSocket.listen(at: path)
        }
        withExtendedLifetime(first) {}
    }

    @Test func tcpOnAPickedPortAndAWaitThatTimesOut() throws {
        let listener = try StreamSocket.listen(host: "127.0.0.1", port: 0)
        let port = try #require(listener.localPort)
        #expect(port != 0)
        let connection = try StreamSocket.connect(host: "127.0.0.1", port: port)
        let client = try #require(listener.accept())
        #expect(!client.waitReadable(milliseconds: 50), "nothing was sent")
        connection.write("ping")
        #expect(client.waitReadable(milliseconds: 5000))
        #expect(client.readSome() == Array("ping".utf8))
        #expect(throws: HostError.self) { try StreamSocket.listen(host: "not-an-address", port: 0) }
    }
}
