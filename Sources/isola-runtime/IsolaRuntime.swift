import ArgumentParser
import FoundationEssentials
import IsolaContainer
import IsolaCore
import IsolaHost
import Logging

/// `isola-runtime`: an OCI runtime with runc's command line, for containerd's runc
/// shim (`ctr run --runc-binary`, a CRI runtime handler's `BinaryName`), in which
/// every container is an Isola VM.
@main
struct IsolaRuntime {
    /// Set once by `main`, before any other thread starts.
    nonisolated(unsafe) static var options = RuntimeOptions()

    static func main() {
        // Forwarded signals are taken by one thread (the worker's, an exec relay's), never by chance.
        HostSignalForwarding.block()
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            (options, arguments) = try RuntimeOptions.take(arguments)
        } catch {
            fail(error)
        }
        do {
            var command = try Command.parseAsRoot(arguments)
            try command.run()
        } catch let error as ContainerError {
            fail(error)
        } catch {
            Command.exit(withError: error)
        }
    }

    /// runc's way with errors: logged in the format asked for, printed on stderr, status 1.
    static func fail(_ error: any Error) -> Never {
        let message = "\(error)"
        options.record("error", message)
        HostDescriptor.write(2, Array("isola-runtime: \(message)\n".utf8))
        HostProcess.exit(1)
    }

    static var runtime: ContainerRuntime {
        let executable = (try? HostProcess.currentExecutable()) ?? CommandLine.arguments[0]
        return ContainerRuntime(root: RuntimeRoot(path: options.root), executable: executable, workerArguments: options.arguments)
    }
}

struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isola-runtime",
        abstract: "An OCI container runtime in which every container is an Isola VM.",
        discussion: """
            Global options (before the command, as for runc): --root DIR (default \(RuntimeRoot.defaultPath)), \
            --log FILE, --log-format text|json, --systemd-cgroup (accepted), --debug.
            """,
        version: "isola-runtime \(IsolaVersion.current)\nspec: \(ContainerRecord.ociVersion)",
        subcommands: [Create.self, Start.self, State.self, Kill.self, Delete.self, Exec.self, Ps.self, List.self,
                      Pause.self, Resume.self, Features.self, Run.self, Worker.self])
}

struct ContainerID: ParsableArguments {
    @Argument(help: "The container's ID.") var id: String
}

struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a container from a bundle: a VM prepared to run its process.")
    @Option(name: [.short, .long], help: "The bundle directory (config.json and the root).") var bundle: String = "."
    @Option(name: .long, help: "Where to write the container's pid.") var pidFile: String?
    @Option(name: .long, help: "A Unix socket to hand the terminal's master to (process.terminal).") var consoleSocket: String?
    @Flag(name: .long, help: .hidden) var noPivot = false
    @Flag(name: .long, help: .hidden) var noNewKeyring = false
    @Option(name: .long, help: .hidden) var preserveFds: Int?
    @OptionGroup var container: ContainerID

    func run() throws {
        try IsolaRuntime.runtime.create(id: container.id, bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create and start a container, and wait for it (as runc run).")
    @Option(name: [.short, .long], help: "The bundle directory.") var bundle: String = "."
    @Option(name: .long, help: "Where to write the container's pid.") var pidFile: String?
    @Option(name: .long, help: "A Unix socket to hand the terminal's master to.") var consoleSocket: String?
    @OptionGroup var container: ContainerID

    func run() throws {
        let runtime = IsolaRuntime.runtime
        try runtime.create(id: container.id, bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket)
        let pid = try runtime.root.load(container.id).pid
        try runtime.start(id: container.id)
        while HostProcess.isAlive(pid) { HostClock.sleep(nanoseconds: 20_000_000) }
        try? runtime.delete(id: container.id, force: true)
    }
}

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a created container's process.")
    @OptionGroup var container: ContainerID
    func run() throws { try IsolaRuntime.runtime.start(id: container.id) }
}

struct State: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a container's state (the runtime specification's JSON).")
    @OptionGroup var container: ContainerID
    func run() throws {
        let state = try IsolaRuntime.runtime.state(id: container.id)
        HostDescriptor.write(1, Array(try ContainerRecord.encoder(pretty: true).encode(state)) + [10])
    }
}

struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a signal (a name or a number, default SIGTERM) to a container's process.")
    @Flag(name: [.short, .long], help: "Signal every process in the container.") var all = false
    @OptionGroup var container: ContainerID
    @Argument(help: "The signal: TERM, SIGTERM or 15.") var signal: String = "SIGTERM"

    func run() throws {
        guard let number = SignalName.parse(signal) else {
            throw ContainerError.failed("unknown signal '\(signal)'")
        }
        try IsolaRuntime.runtime.kill(id: container.id, signal: number, all: all)
    }
}

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a stopped container (with --force, stop it first).")
    @Flag(name: [.short, .long], help: "Kill the container if it is still running.") var force = false
    @OptionGroup var container: ContainerID
    func run() throws {
        do {
            try IsolaRuntime.runtime.delete(id: container.id, force: force)
        } catch ContainerError.notFound(_) where force {
            // runc: deleting a container that does not exist, with --force, is not an error.
        }
    }
}

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run another process in a running container; exit with its status.")
    @Option(name: [.short, .long], help: "The process (the specification's process JSON).") var process: String?
    @Flag(name: [.short, .long], help: "Return at once; the process's pid goes to --pid-file.") var detach = false
    @Option(name: .long, help: "Where to write the exec'd process's pid.") var pidFile: String?
    @Option(name: .long, help: "A Unix socket to hand the terminal's master to.") var consoleSocket: String?
    @Flag(name: [.short, .long], help: "Give the process a terminal.") var tty = false
    @Option(name: .long, help: .hidden) var cwd: String?
    @Option(name: [.short, .long], help: .hidden) var env: [String] = []
    @OptionGroup var container: ContainerID
    @Argument(parsing: .captureForPassthrough, help: "The command, when no --process is given.") var command: [String] = []

    func run() throws {
        var spec: OCISpec.Process
        if let process {
            guard let bytes = try? HostFile.readAll(process) else { throw ContainerError.failed("cannot read \(process)") }
            do {
                spec = try JSONDecoder().decode(OCISpec.Process.self, from: Data(bytes))
            } catch {
                throw ContainerError.invalidSpec(field: "process", reason: "\(process) is not a process JSON: \(error)")
            }
        } else {
            guard !command.isEmpty else { throw ContainerError.failed("exec: give --process FILE or a command") }
            spec = OCISpec.Process(terminal: tty, consoleSize: nil, user: nil, args: command,
                                   env: env.isEmpty ? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] : env,
                                   cwd: cwd ?? "/", rlimits: nil)
        }
        let runtime = IsolaRuntime.runtime
        if detach {
            // The relay runs on as a process of its own, which containerd then waits for.
            let arguments = [runtime.executable] + IsolaRuntime.options.arguments + ["exec"]
                + (process.map { ["--process", $0] } ?? []) + (consoleSocket.map { ["--console-socket", $0] } ?? [])
                + (pidFile.map { ["--pid-file", $0] } ?? []) + [container.id] + (process == nil ? command : [])
            _ = try HostProcess.spawnSession(runtime.executable, arguments: arguments, descriptors: [0, 1, 2])
            // The pid file is the relay's own pid; wait until it is there, as callers read it next.
            if let pidFile {
                let deadline = HostClock.monotonicNanoseconds() + 10_000_000_000
                while !HostFile.exists(pidFile), HostClock.monotonicNanoseconds() < deadline { HostClock.sleep(nanoseconds: 2_000_000) }
            }
            return
        }
        let status = try runtime.exec(id: container.id, process: spec, consoleSocket: consoleSocket, pidFile: pidFile)
        ProcessIO.exit(withWaitStatus: status)
    }
}

struct Ps: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a container's host processes (its worker and exec'd processes).")
    @Option(name: [.short, .long], help: "table or json.") var format = "table"
    @OptionGroup var container: ContainerID
    func run() throws {
        let pids = try IsolaRuntime.runtime.processes(id: container.id)
        if format == "json" {
            HostDescriptor.write(1, Array("[\(pids.map(String.init).joined(separator: ","))]\n".utf8))
        } else {
            var text = "PID\tCMD\n"
            for pid in pids {
                let command = (try? HostFile.readAll("/proc/\(pid)/comm")).map { String(decoding: $0, as: UTF8.self) } ?? "?\n"
                text += "\(pid)\t\(command)"
            }
            HostDescriptor.write(1, Array(text.utf8))
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the containers.")
    @Option(name: [.short, .long], help: "table or json.") var format = "table"
    @Flag(name: [.short, .long], help: "Print only the IDs.") var quiet = false
    func run() throws {
        let records = IsolaRuntime.runtime.list()
        if quiet {
            HostDescriptor.write(1, Array(records.map { $0.id + "\n" }.joined().utf8))
        } else if format == "json" {
            HostDescriptor.write(1, Array(try ContainerRecord.encoder().encode(records.map(\.ociState))) + [10])
        } else {
            var text = "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n"
            for r in records {
                let s = r.ociState
                text += "\(s.id)\t\(s.pid)\t\(s.status)\t\(s.bundle)\t\(s.created)\t\(s.owner)\n"
            }
            HostDescriptor.write(1, Array(text.utf8))
        }
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pause a container: its VM's vCPUs stop.")
    @OptionGroup var container: ContainerID
    func run() throws { try IsolaRuntime.runtime.pause(id: container.id) }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume a paused container.")
    @OptionGroup var container: ContainerID
    func run() throws { try IsolaRuntime.runtime.resume(id: container.id) }
}

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print what this runtime implements (runtime-spec features.md).")
    func run() throws {
        HostDescriptor.write(1, RuntimeFeatures.json)
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The container's process (started by create).", shouldDisplay: false)
    @OptionGroup var container: ContainerID

    func run() throws {
        let root = RuntimeRoot(path: IsolaRuntime.options.root)
        var logger = Logger(label: "isola-runtime")
        logger.logLevel = IsolaRuntime.options.debug ? .debug : .warning
        do {
            let record = try root.load(container.id)
            guard let bytes = try? HostFile.readAll(root.specPath(container.id)) else { throw ContainerError.notFound(id: container.id) }
            let spec = try OCISpec.decode(bytes, source: root.specPath(container.id))
            if spec.process?.terminal == true { HostPseudoTerminal.makeControlling(0) }
            let worker = try ContainerWorker(root: root, id: container.id, spec: spec, bundle: record.bundle,
                                             input: 0, output: 1, errorOutput: 2, logger: logger)
            try worker.prepare(executable: IsolaRuntime.runtime.executable)
            try worker.run(readiness: 3)
        } catch {
            // create reads this from the readiness pipe and reports it.
            HostDescriptor.write(3, Array("\(error)".utf8))
            HostProcess.exit(1)
        }
    }
}
