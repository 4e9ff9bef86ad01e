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
            curl --unix-socket. SIGINT or SIGTERM ends the hypervisor: every running guest is asked \
            to power down and given --shutdown-timeout seconds, all at once, then what is left is \
            stopped by force.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The state directory (default: $ISOLA_STATE, else ~/.local/state/isola).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("The API socket (default: api.sock in the state directory).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Seconds the guests have to power down when the hypervisor ends.", valueName: "seconds"))
    var shutdownTimeout: Double = Supervisor.defaultShutdownGraceSeconds

    @Flag(name: .shortAndLong, help: "Log every VM start and end, and each worker's own log, to stderr.")
    var verbose = false

    func validate() throws {
        guard shutdownTimeout.isFinite, (0...3600).contains(shutdownTimeout) else {
            throw ValidationError("--shutdown-timeout \(shutdownTimeout): expected 0 to 3600 seconds")
        }
    }

    func run() throws {
        try reportingErrors {
            let directory = state ?? HypervisorPaths.defaultStateDirectory
            let path = socket ?? HypervisorPaths.socket(in: directory)
            var logger = SessionOptions.makeLogger(verbose: verbose)
            logger.logLevel = verbose ? .info : .notice
            let supervisor = try Supervisor(stateDirectory: directory, executable: try HostProcess.currentExecutable(), logger: logger)
            let api = ControlAPI(supervisor: supervisor)
            let done = Parker()
            let failure = FailureBox()
            Task {
                do { try await api.serve(socketPath: path, logger: logger, shutdownGraceSeconds: shutdownTimeout) } catch { failure.set(error) }
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
