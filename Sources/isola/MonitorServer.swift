import ArgumentParser
import IsolaHost
import IsolaVMM

/// The monitor of a VM run from a bundle, on a Unix socket in the bundle
/// (`NAME.isola/monitor.sock`, mode 0600): a client sends one command line and reads
/// the monitor's answer until the socket closes. `isola snapshot` is such a client.
/// Its presence also tells a second `isola run` of the same bundle that the VM runs.
final class MonitorServer: @unchecked Sendable {
    // Sendable: the listener is used by the accepting thread; shutDown is thread-safe.
    static let socketName = "monitor.sock"
    private let listener: UnixStreamSocket

    static func socketPath(of bundle: VMBundle) -> String { bundle.directory + "/" + socketName }

    /// Listens for `bundle`; refuses when another Isola already runs it.
    init(monitor: Monitor, bundle: VMBundle) throws {
        let path = MonitorServer.socketPath(of: bundle)
        do {
            listener = try UnixStreamSocket.listen(at: path)
        } catch HostError.io(_, _, let code) where code == HostError.addressInUse {
            throw ValidationError("\(bundle.directory) is already running (its monitor answers at \(path))")
        }
        _ = try HostThread.start(name: "monitor-socket") { [listener] in
            while let client = listener.accept() {
                guard let line = client.readLine() else { continue }
                let (output, outcome) = monitor.execute(line)
                client.write(output)
                client.shutDown()
                if outcome == .quit { monitor.vm.stop() }
            }
        }
    }

    /// Stops answering and removes the socket (the process exits without deinitializers,
    /// and a socket left in the bundle would be copied with it).
    func stop() {
        listener.shutDown()
        HostFile.remove(listener.path)
    }

    /// Sends one command to the VM running from `bundle`; answers the monitor's output.
    static func send(_ command: String, to bundle: VMBundle) throws -> String {
        let path = socketPath(of: bundle)
        let connection: UnixStreamSocket
        do {
            connection = try UnixStreamSocket.connect(to: path)
        } catch {
            throw ValidationError("\(bundle.directory) is not running (no monitor at \(path))")
        }
        connection.write(command + "\n")
        return String(decoding: connection.readToEnd(), as: UTF8.self)
    }
}
