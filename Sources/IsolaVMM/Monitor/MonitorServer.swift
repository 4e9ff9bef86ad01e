import IsolaHost

/// Why the monitor of a bundle could not be reached or started.
public enum MonitorError: Error, CustomStringConvertible, Equatable {
    case alreadyRunning(bundle: String, socket: String)
    case notRunning(bundle: String, socket: String)
    case noAnswer(bundle: String, socket: String, seconds: Double)

    public var description: String {
        switch self {
        case let .alreadyRunning(bundle, socket): return "\(bundle) is already running (its monitor answers at \(socket))"
        case let .notRunning(bundle, socket): return "\(bundle) is not running (no monitor at \(socket))"
        case let .noAnswer(bundle, socket, seconds):
            return "\(bundle): its monitor at \(socket) did not answer within \(Int(seconds)) s"
        }
    }
}

/// The monitor of a VM run from a bundle, on a Unix socket in the bundle
/// (`NAME.isola/monitor.sock`, mode 0600): a client sends one command line and reads
/// the monitor's answer until the socket closes. `isola snapshot` and the hypervisor
/// are such clients. Its presence also tells a second `isola run` of the same bundle
/// that the VM runs.
public final class MonitorServer: @unchecked Sendable {
    // Sendable: the listener is used by the accepting thread; shutDown is thread-safe.
    public static let socketName = "monitor.sock"
    private let listener: StreamSocket

    public static func socketPath(of bundle: VMBundle) -> String { bundle.directory + "/" + socketName }

    /// Listens for `bundle`; refuses when another Isola already runs it.
    public init(monitor: Monitor, bundle: VMBundle) throws {
        let path = MonitorServer.socketPath(of: bundle)
        do {
            listener = try StreamSocket.listen(at: path)
        } catch HostError.io(_, _, let code) where code == HostError.addressInUse {
            throw MonitorError.alreadyRunning(bundle: bundle.directory, socket: path)
        }
        try HostThread.start(name: "monitor-socket") { [listener] in
            while let client = listener.accept() {
                guard let line = client.readLine() else { continue }
                let (output, outcome) = monitor.execute(line)
                client.write(output)
                client.shutDown()
                if outcome == .quit { monitor.vm.stop() }
            }
        }.detach()
    }

    /// Stops answering and removes the socket (the process exits without deinitializers,
    /// and a socket left in the bundle would be copied with it).
    public func stop() {
        listener.shutDown()
        HostFile.remove(listener.path)
    }

    /// Sends one command to the VM running from `bundle`; answers the monitor's output.
    public static func send(_ command: String, to bundle: VMBundle) throws -> String {
        try send(command, toSocket: socketPath(of: bundle), bundle: bundle.directory)
    }

    /// Sends one command to the monitor listening at `socket`. With a timeout, a monitor
    /// that does not answer within it is an error rather than a wait without end.
    public static func send(_ command: String, toSocket socket: String, bundle: String,
                            timeoutNanoseconds: UInt64? = nil) throws -> String {
        let connection: StreamSocket
        do {
            connection = try StreamSocket.connect(to: socket, timeoutNanoseconds: timeoutNanoseconds)
        } catch {
            throw MonitorError.notRunning(bundle: bundle, socket: socket)
        }
        connection.write(command + "\n")
        do {
            return String(decoding: try connection.readToEnd(timeoutNanoseconds: timeoutNanoseconds), as: UTF8.self)
        } catch {
            throw MonitorError.noAnswer(bundle: bundle, socket: socket, seconds: Double(timeoutNanoseconds ?? 0) / 1e9)
        }
    }
}
