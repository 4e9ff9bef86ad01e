import ArgumentParser
import IsolaHost
import IsolaHypervisor
import Logging

/// `isola serve`: the hypervisor.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hypervisor: many VMs, each in a worker process, driven by an HTTP/JSON API on a Unix socket.",
        discussion: """
            The state directory holds one bundle per VM (NAME.isola, as 'isola create' makes them). \
            Each started VM runs in a worker process of its own, so a crash of one VM, or a SIGKILL \
            of its worker, leaves the others running; the hypervisor records why it ended and \
            restarts it if its policy says so. The API (docs/api/openapi.yaml) listens on a Unix \
            socket that only this user may use (mode 0600); 'isola vm ...' talks to it, as can \
            curl --unix-socket; --web adds a web console (every VM's state, load, lifecycle \
            buttons and console in a browser), whose URL and token are printed at start-up. \
            SIGINT or SIGTERM ends the hypervisor: every running guest is asked to power down and \
            given --shutdown-timeout seconds, all at once, then what is left is stopped by force.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The state directory (default: $ISOLA_STATE, else ~/.local/state/isola).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("The API socket (default: api.sock in the state directory).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Seconds the guests have to power down when the hypervisor ends.", valueName: "seconds"))
    var shutdownTimeout: Double = Supervisor.defaultShutdownGraceSeconds

    @Option(name: .long, help: ArgumentHelp("Also serve the web console on [HOST:]PORT (host 127.0.0.1 unless given; 0 picks a port). Every request needs the token in the URL printed at start-up.", valueName: "[host:]port"))
    var web: String?

    @Flag(name: .shortAndLong, help: "Log every VM start and end, and each worker's own log, to stderr.")
    var verbose = false

    func validate() throws {
        guard shutdownTimeout.isFinite, (0...3600).contains(shutdownTimeout) else {
            throw ValidationError("--shutdown-timeout \(shutdownTimeout): expected 0 to 3600 seconds")
        }
        _ = try webAddress()
    }

    /// `--web`'s host and port: a bare port is on the loopback interface.
    func webAddress() throws -> (host: String, port: Int)? {
        guard let web else { return nil }
        var host = "127.0.0.1", portText = Substring(web)
        if let colon = web.lastIndex(of: ":") {
            host = String(web[..<colon])
            portText = web[web.index(after: colon)...]
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        }
        guard let port = Int(portText), (0...65535).contains(port), !host.isEmpty else {
            throw ValidationError("--web '\(web)': expected [HOST:]PORT with a port from 0 to 65535")
        }
        return (host, port)
    }

    func run() throws {
        try reportingErrors {
            let directory = state ?? HypervisorPaths.defaultStateDirectory
            let path = socket ?? HypervisorPaths.socket(in: directory)
            var logger = SessionOptions.makeLogger(verbose: verbose)
            logger.logLevel = verbose ? .info : .notice
            let supervisor = try Supervisor(stateDirectory: directory, executable: try HostProcess.currentExecutable(), logger: logger)
            let api = ControlAPI(supervisor: supervisor)
            var console: WebConsole?
            if let (host, port) = try webAddress() {
                guard let token = WebToken.make() else { throw ValidationError("--web: the host gave no random bytes for the token") }
                if !["127.0.0.1", "::1", "localhost"].contains(host) {
                    HostOutput.standardError.write("isola: the web console listens on \(host), beyond this machine; anyone with the token can drive every VM\n")
                }
                console = WebConsole(api: api, host: host, port: port, token: token)
            }
            let done = Parker()
            let failure = FailureBox()
            Task {
                do { try await api.serve(socketPath: path, logger: logger, shutdownGraceSeconds: shutdownTimeout, web: console) } catch { failure.set(error) }
                done.unpark()
            }
            done.park(untilMonotonicNanoseconds: .max)
            if let error = failure.error { throw error }
        }
    }
}

/// The error the server task ended with, handed to the waiting main thread.
private final class FailureBox: @unchecked Sendable {
    // Sendable: written by the server task before it unparks the main thread, read after.
    private(set) var error: (any Error)?
    func set(_ error: any Error) { self.error = error }
}
