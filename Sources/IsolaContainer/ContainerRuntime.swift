import FoundationEssentials
import IsolaHost

/// The OCI runtime's operations (runtime.md, "Operations", and runc's command line)
/// on containers that are VMs. `isola-runtime` parses the command line and calls these.
public struct ContainerRuntime: Sendable {
    public let root: RuntimeRoot
    /// The runtime executable and the global options its worker is started with.
    public let executable: String
    public let workerArguments: [String]

    public init(root: RuntimeRoot, executable: String, workerArguments: [String]) {
        self.root = root
        self.executable = executable
        self.workerArguments = workerArguments
    }

    // MARK: create

    /// Turns the bundle into a prepared VM whose worker is the container's process;
    /// it runs nothing until `start`. On any failure nothing is left behind.
    public func create(id: String, bundle: String, pidFile: String?, consoleSocket: String?) throws(ContainerError) {
        try ContainerError.checkID(id)
        let bundle = bundle.hasPrefix("/") ? bundle : (HostDirectory.current ?? ".") + "/" + bundle
        let configPath = bundle + "/config.json"
        guard let bytes = try? HostFile.readAll(configPath) else { throw .failed("cannot read \(configPath)") }
        let spec = try OCISpec.decode(bytes, source: configPath)
        let machine = try ContainerMachine(spec: spec, bundle: bundle)
        let terminal = spec.process?.terminal == true
        guard !terminal || consoleSocket != nil else {
            throw .failed("process.terminal is true: --console-socket is needed to hand over the terminal")
        }
        guard terminal || consoleSocket == nil else {
            throw .failed("--console-socket given but process.terminal is false")
        }
        try root.prepare()
        guard !HostFile.exists(root.directory(id)) else { throw .alreadyExists(id: id) }
        do {
            try HostDirectory.create(root.directory(id), mode: 0o700)
        } catch {
            throw .failed("cannot create \(root.directory(id)): \(error)")
        }
        var record = ContainerRecord(id: id, bundle: bundle, rootfs: machine.rootfs, annotations: spec.annotations)
        do {
            try HostFile.writeAtomically(bytes, to: root.specPath(id))
            try root.save(record)
            record.pid = try spawnWorker(id: id, terminal: terminal, consoleSocket: consoleSocket)
            record.processStart = HostProcess.startTime(of: record.pid)
            record.status = .created
            try root.save(record)
            if let pidFile { try HostFile.writeAtomically(Array("\(record.pid)".utf8), to: pidFile) }
            let state = record.ociStateJSON
            try RuntimeHooks.run(spec.hooks?.prestart ?? [], kind: "prestart", state: state)
            try RuntimeHooks.run(spec.hooks?.createRuntime ?? [], kind: "createRuntime", state: state)
        } catch {
            if record.pid > 0 { HostProcess.send(HostProcess.SIGKILL, to: record.pid) }
            if let pidFile { HostFile.remove(pidFile) }
            root.remove(id)
            throw (error as? ContainerError) ?? .failed("\(error)")
        }
    }

    /// Starts the worker in a session of its own and waits until its VM is prepared.
    private func spawnWorker(id: String, terminal: Bool, consoleSocket: String?) throws -> Int32 {
        let (readiness, ready) = try HostDescriptor.pipe()
        defer { HostDescriptor.close(readiness) }
        var descriptors: [Int32] = [0, 1, 2, ready]
        var pty: HostPseudoTerminal?
        if terminal, let consoleSocket {
            let pair = try HostPseudoTerminal.open()
            pty = pair
            let socket = try StreamSocket.connect(to: consoleSocket)
            try socket.sendDescriptor(pair.master)
            HostPseudoTerminal.close(pair.master)
            descriptors = [pair.slave, pair.slave, pair.slave, ready]
        }
        let pid: Int32
        do {
            pid = try HostProcess.spawnSession(executable, arguments: [executable] + workerArguments + ["worker", id],
                                                   descriptors: descriptors)
        } catch {
            HostDescriptor.close(ready)
            throw error
        }
        HostDescriptor.close(ready)
        if let pty { HostPseudoTerminal.close(pty.slave) }
        var answer: [UInt8] = []
        while let bytes = HostDescriptor.read(readiness) { answer += bytes }
        let text = String(decoding: answer, as: UTF8.self)
        guard text == "ok\n" else {
            HostProcess.send(HostProcess.SIGKILL, to: pid)
            throw ContainerError.failed(text.isEmpty ? "the container's worker ended before its VM was ready (see \(root.consoleLogPath(id)))"
                                                     : String(text.reversed().drop { $0 == "\n" }.reversed()))
        }
        return pid
    }

    // MARK: start, state, kill, delete

    public func start(id: String) throws(ContainerError) {
        var record = try root.load(id)
        let status = record.currentStatus
        guard status == .created else { throw .wrongState(id: id, status: status.rawValue, wanted: "only a created container can be started") }
        _ = try ControlClient.call(root, id, ControlRequest(op: .start))
        record.status = .running
        try root.save(record)
        let spec = try self.spec(id)
        do {
            try RuntimeHooks.run(spec.hooks?.poststart ?? [], kind: "poststart", state: record.ociStateJSON)
        } catch {
            // A poststart failure is logged, not fatal (runtime.md: "the runtime MUST log a warning").
            throw .failed("started, but \(error)")
        }
    }

    public func state(id: String) throws(ContainerError) -> ContainerRecord.OCIState {
        try root.load(id).ociState
    }

    /// Sends `signal` to the container's process (every process with `all`). SIGKILL
    /// ends the worker, and the VM with it, at once.
    public func kill(id: String, signal: Int32, all: Bool) throws(ContainerError) {
        let record = try root.load(id)
        let status = record.currentStatus
        guard status != .stopped else { throw .wrongState(id: id, status: "stopped", wanted: "there is no process to signal") }
        if signal == HostProcess.SIGKILL {
            HostProcess.send(signal, to: record.pid)
            return
        }
        _ = try ControlClient.call(root, id, ControlRequest(op: .kill, signal: signal, all: all))
    }

    public func delete(id: String, force: Bool) throws(ContainerError) {
        let record = try root.load(id)
        let status = record.currentStatus
        if status != .stopped && status != .creating {
            // As runc: a created container (nothing ran yet) is deleted without --force.
            guard force || status == .created else {
                throw .wrongState(id: id, status: status.rawValue, wanted: "cannot delete a container that is not stopped (use --force)")
            }
            HostProcess.send(HostProcess.SIGKILL, to: record.pid)
            let deadline = HostClock.monotonicNanoseconds() + 10_000_000_000
            while HostProcess.isAlive(record.pid), HostProcess.startTime(of: record.pid) == record.processStart,
                  HostClock.monotonicNanoseconds() < deadline {
                HostClock.sleep(nanoseconds: 5_000_000)
            }
        }
        let spec = try? self.spec(id)
        var stopped = record
        stopped.status = .stopped
        if let path = spec?.networkNamespacePath, let bytes = try? HostFile.readAll(root.networkPath(id)),
           let taken = try? JSONDecoder().decode(HostNetworkNamespace.self, from: Data(bytes)), taken.address != 0 {
            try? HostNetworkNamespace.giveBack(path: path, interface: taken.interface, address: taken.address,
                                               prefix: taken.prefix, gateway: taken.gateway)
        }
        root.remove(id)
        if let hooks = spec?.hooks?.poststop {
            // The container is gone either way; a poststop failure is reported after.
            try RuntimeHooks.run(hooks, kind: "poststop", state: stopped.ociStateJSON)
        }
    }

    // MARK: pause, resume, ps, list

    public func pause(id: String) throws(ContainerError) {
        try transition(id, from: .running, to: .paused, by: .pause, wanted: "only a running container can be paused")
    }

    public func resume(id: String) throws(ContainerError) {
        try transition(id, from: .paused, to: .running, by: .resume, wanted: "only a paused container can be resumed")
    }

    /// Asks the worker for `operation` and records the new status, if the container is in `from`.
    private func transition(_ id: String, from: ContainerRecord.Status, to: ContainerRecord.Status,
                            by operation: ControlRequest.Operation, wanted: String) throws(ContainerError) {
        var record = try root.load(id)
        let status = record.currentStatus
        guard status == from else { throw .wrongState(id: id, status: status.rawValue, wanted: wanted) }
        _ = try ControlClient.call(root, id, ControlRequest(op: operation))
        record.status = to
        try root.save(record)
    }

    /// The host processes of the container: its worker and its exec'd processes' relays.
    public func processes(id: String) throws(ContainerError) -> [Int32] {
        let record = try root.load(id)
        guard record.currentStatus != .stopped else { return [] }
        return try ControlClient.call(root, id, ControlRequest(op: .ps)).0.pids ?? [record.pid]
    }

    public func list() -> [ContainerRecord] {
        root.list().compactMap { try? root.load($0) }
    }

    func spec(_ id: String) throws(ContainerError) -> OCISpec {
        guard let bytes = try? HostFile.readAll(root.specPath(id)) else { throw .notFound(id: id) }
        return try OCISpec.decode(bytes, source: root.specPath(id))
    }

    // MARK: exec

    /// Runs another process in the running container and relays its streams until it
    /// ends; returns its wait status. This process is the exec'd process to containerd.
    public func exec(id: String, process: OCISpec.Process, consoleSocket: String?, pidFile: String?) throws(ContainerError) -> UInt32 {
        let record = try root.load(id)
        guard record.currentStatus == .running else { throw .wrongState(id: id, status: record.currentStatus.rawValue, wanted: "exec needs a running container") }
        try process.check(source: "the process")
        let terminal = process.terminal == true
        var input: Int32 = 0, output: Int32 = 1, errorOutput: Int32 = 2
        if terminal {
            guard let consoleSocket else { throw .failed("process.terminal is true: --console-socket is needed") }
            do {
                let pair = try HostPseudoTerminal.open()
                let socket = try StreamSocket.connect(to: consoleSocket)
                try socket.sendDescriptor(pair.master)
                HostPseudoTerminal.close(pair.master)
                (input, output, errorOutput) = (pair.slave, pair.slave, pair.slave)
            } catch {
                throw .failed("the exec's terminal: \(error)")
            }
        }
        if let pidFile {
            do { try HostFile.writeAtomically(Array("\(HostProcess.currentID)".utf8), to: pidFile) } catch {
                throw .failed("cannot write \(pidFile): \(error)")
            }
        }
        let (reply, connection) = try ControlClient.call(root, id, ControlRequest(op: .exec, process: process, pid: HostProcess.currentID))
        _ = reply
        let io = ProcessIO(input: input, output: output, errorOutput: errorOutput, terminal: terminal, stream: 0)
        let sendLock = HostMutex()
        io.send = { frame in sendLock.withLock { _ = connection.write(bytes: frame.encoded) } }
        _ = try? HostThread.start(name: "signals") { while true { io.forward(signal: HostSignalForwarding.wait()) } }
        var status: UInt32?
        var failure: String?
        let reader = ContainerFrameReader(onFrame: { frame in
            switch frame.kind {
            case .started: io.startInput()
            case .output, .errorOutput: io.deliver(frame)
            case .exited: status = frame.value
            case .failedToStart: failure = String(decoding: frame.payload, as: UTF8.self)
            default: break
            }
        }, onCorrupt: { _ in connection.shutDown() })
        while status == nil, failure == nil, let bytes = connection.readSome() {
            for b in bytes { reader.write(byte: b) }
        }
        if let failure {
            HostDescriptor.write(2, Array("isola-runtime exec: \(failure)\n".utf8))
            return (failure.contains("No such file") ? 127 : 126) << 8
        }
        guard let status else { throw .failed("container \(id): the exec'd process's status never came (the container stopped?)") }
        return status
    }
}
