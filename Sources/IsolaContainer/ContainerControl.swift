import FoundationEssentials
import IsolaHost

/// The worker's control socket (`ROOT/ID/control.sock`): one JSON request line, one
/// JSON reply line. After an `exec` reply the connection carries that process's
/// frames both ways (the stream number in them is the worker's to fill in).
public struct ControlRequest: Codable, Sendable {
    public enum Operation: String, Codable, Sendable { case start, kill, pause, resume, exec, ps }
    public var op: Operation
    public var signal: Int32?
    /// `kill --all`: every process in the container.
    public var all: Bool?
    public var process: OCISpec.Process?
    /// The exec relay's host pid (it is the exec'd process to containerd).
    public var pid: Int32?

    public init(op: Operation, signal: Int32? = nil, all: Bool? = nil, process: OCISpec.Process? = nil, pid: Int32? = nil) {
        self.op = op
        self.signal = signal
        self.all = all
        self.process = process
        self.pid = pid
    }
}

public struct ControlReply: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    public var pids: [Int32]?

    public init(ok: Bool, error: String? = nil, pids: [Int32]? = nil) {
        self.ok = ok
        self.error = error
        self.pids = pids
    }
}

extension StreamSocket {
    func send<T: Encodable>(line value: T) -> Bool {
        write(bytes: ContainerRecord.json(value) + [10])
    }

    func receive<T: Decodable>(line: T.Type) -> T? {
        guard let text = readLine(maximum: 1 << 20) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// The runtime's side of the control socket.
public enum ControlClient {
    /// Sends `request` to container `id`'s worker and returns the reply and the connection.
    public static func call(_ root: RuntimeRoot, _ id: String, _ request: ControlRequest) throws(ContainerError) -> (ControlReply, StreamSocket) {
        let socket: StreamSocket
        do {
            socket = try StreamSocket.connect(to: root.controlPath(id), timeoutNanoseconds: 10_000_000_000)
        } catch {
            throw .failed("container \(id): its worker does not answer (\(error))")
        }
        guard socket.send(line: request), let reply = socket.receive(line: ControlReply.self) else {
            throw .failed("container \(id): its worker closed the control connection")
        }
        if let error = reply.error, !reply.ok { throw .failed(error) }
        return (reply, socket)
    }
}
