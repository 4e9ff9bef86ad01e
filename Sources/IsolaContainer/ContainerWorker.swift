import FoundationEssentials
import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Logging

/// The process that is a container: it holds the container's VM, answers the
/// runtime on the control socket, passes the container process's standard streams
/// and signals through, and exits as the guest process exited (the same code, or
/// killed by the same signal), so containerd sees the container's status in its own.
///
/// A VM is prepared at `create` and runs its first instruction at `start`. If the
/// runtime holds a template snapshot of the booted container init for this machine,
/// the VM is a copy-on-write clone of it whose root share is this container's root,
/// and start is not a Linux boot; otherwise the VM boots, and when its init reports
/// ready the worker saves the template for the containers after it.
///
/// Threads: the main thread runs the VM; the console's I/O thread delivers the
/// guest's frames; one thread accepts control connections and one per exec relay
/// reads it; one waits for signals. `lock` guards the mutable state below.
public final class ContainerWorker: @unchecked Sendable {
    let root: RuntimeRoot
    let id: String
    let spec: OCISpec
    private(set) var machine: ContainerMachine
    let io: ProcessIO
    private var vm: VirtualMachine?
    private var console: VirtioConsole?
    private let lock = HostMutex()
    private let startGate = Parker()
    private let startReply = Parker()
    private var started = false
    private var containerSent = false
    private var processStarted: Result<UInt32, ContainerError>?
    private var mainStatus: UInt32?
    private var relays: [UInt32: (socket: StreamSocket, pid: Int32)] = [:]
    private var nextStream: UInt32 = 1
    private var templateToSave: String?
    private var restored = false
    private let log: Logger

    public init(root: RuntimeRoot, id: String, spec: OCISpec, bundle: String,
                input: Int32, output: Int32, errorOutput: Int32, logger: Logger) throws(ContainerError) {
        self.root = root
        self.id = id
        self.spec = spec
        machine = try ContainerMachine(spec: spec, bundle: bundle)
        log = logger
        let terminal = spec.process?.terminal == true
        io = ProcessIO(input: input, output: output, errorOutput: errorOutput, terminal: terminal, stream: 0)
        io.send = { [weak self] frame in self?.sendToGuest(frame) }
    }

    // MARK: Preparing (at create)

    /// Makes the VM (a template clone when there is one) and the control socket; nothing runs yet.
    public func prepare(executable: String) throws {
        // A CRI pod's sandbox ("pause") container holds the pod's namespaces and runs
        // nothing that talks: it leaves the pod's address to the pod's container.
        let sandbox = spec.annotations?["io.kubernetes.cri.container-type"] == "sandbox"
        if let path = spec.networkNamespacePath, !sandbox {
            let namespace = try HostNetworkNamespace.attach(path: path)
            // delete gives the address back, even after a SIGKILL of this process.
            try HostFile.writeAtomically(ContainerRecord.json(namespace), to: root.networkPath(id))
            machine.join(namespace)
        }
        let key = machine.templateKey(executable: executable)
        let template = root.templatesDirectory + "/" + key + ".snap"
        let consoleLog: ByteSink = FileByteSink(path: root.consoleLogPath(id))
        if HostFile.exists(template) {
            do {
                let snapshot = try SnapshotFile.open(template)
                vm = try VirtualMachine(restoring: snapshot, configuration: machine.configuration, boot: machine.boot,
                                        clock: .sync, console: consoleLog, logger: log)
                restored = true
            } catch {
                log.warning("the template does not restore; booting", metadata: ["template": "\(template)", "error": "\(error)"])
                HostFile.remove(template)
            }
        }
        if vm == nil {
            vm = try VirtualMachine(configuration: machine.configuration, boot: machine.boot, console: consoleLog, logger: log)
            try? HostDirectory.create(root.templatesDirectory, mode: 0o700)
            templateToSave = template
        }
        guard let vm else { throw ContainerError.failed("no VM") }
        guard let console = vm.machine.virtioTransports.lazy.compactMap({ $0.device as? VirtioConsole }).first else {
            throw ContainerError.failed("the container's VM has no virtio console for its init")
        }
        self.console = console
        console.output = ContainerFrameReader(onFrame: { [weak self] in self?.received($0) }, onCorrupt: { [weak self] why in
            self?.log.error("the guest's channel is corrupt; stopping its VM", metadata: ["frame": "\(why)"])
            self?.vm?.stop()
        })
        try vm.apply(machine.share)
    }

    // MARK: Running

    /// Serves the control socket, waits for `start`, runs the VM and exits as the container's process did.
    public func run(readiness: Int32) throws -> Never {
        let listener = try StreamSocket.listen(at: root.controlPath(id))
        _ = try HostThread.start(name: "control") { [self] in
            while let connection = listener.accept() {
                _ = try? HostThread.start(name: "control-connection") { [self] in self.serve(connection) }
            }
        }
        _ = try HostThread.start(name: "signals") { [self] in
            while true { forward(signal: HostSignalForwarding.wait()) }
        }
        HostDescriptor.write(readiness, Array("ok\n".utf8))
        HostDescriptor.close(readiness)
        while !lock.withLock({ started }) { startGate.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 1_000_000_000) }
        guard let vm else { HostProcess.exit(255) }
        if restored { sendContainer() }
        let result = try vm.run()
        console?.output.flush()
        if let status = lock.withLock({ mainStatus }) { ProcessIO.exit(withWaitStatus: status) }
        HostDescriptor.write(2, Array("isola-runtime: the container's VM ended (\(result.outcome)) before its process reported a status\n".utf8))
        HostProcess.exit(255)
    }

    private func serve(_ connection: StreamSocket) {
        guard let request = connection.receive(line: ControlRequest.self) else { return }
        func reply(_ r: ControlReply) { _ = connection.send(line: r) }
        switch request.op {
        case .start:
            let first = lock.withLock { () -> Bool in
                defer { started = true }
                return !started
            }
            guard first else { return reply(ControlReply(ok: false, error: "container \(id) is already started")) }
            startGate.unpark()
            let deadline = HostClock.monotonicNanoseconds() + 120_000_000_000
            while lock.withLock({ processStarted }) == nil, HostClock.monotonicNanoseconds() < deadline {
                startReply.park(untilMonotonicNanoseconds: min(deadline, HostClock.monotonicNanoseconds() + 100_000_000))
            }
            switch lock.withLock({ processStarted }) {
            case .success?: reply(ControlReply(ok: true))
            case let .failure(error)?: reply(ControlReply(ok: false, error: error.description))
            case nil: reply(ControlReply(ok: false, error: "container \(id): its process did not start within 120 s"))
            }
        case .kill:
            let signal = request.signal ?? 15
            if !lock.withLock({ started }) {
                // Nothing runs yet: the container ends as the signal would have ended its process.
                reply(ControlReply(ok: true))
                HostSignalForwarding.die(by: signal)
            }
            sendToGuest(ContainerFrame(.signal, stream: request.all == true ? ContainerFrame.everyStream : 0, value: UInt32(signal)))
            reply(ControlReply(ok: true))
        case .pause:
            reply(vm?.pause() == true ? ControlReply(ok: true) : ControlReply(ok: false, error: "container \(id): its vCPUs did not stop"))
        case .resume:
            vm?.resume()
            reply(ControlReply(ok: true))
        case .ps:
            let pids = [HostProcess.currentID] + lock.withLock { relays.values.map(\.pid).sorted() }
            reply(ControlReply(ok: true, pids: pids))
        case .exec:
            guard let process = request.process else { return reply(ControlReply(ok: false, error: "exec: no process")) }
            guard lock.withLock({ processStarted.map { if case .success = $0 { true } else { false } } ?? false }) else {
                return reply(ControlReply(ok: false, error: "container \(id) is not running"))
            }
            let stream = lock.withLock { () -> UInt32 in
                defer { nextStream += 1 }
                relays[nextStream] = (connection, request.pid ?? 0)
                return nextStream
            }
            reply(ControlReply(ok: true))
            sendToGuest(ContainerFrame(.exec, stream: stream, payload: ContainerProcess.entries(process, terminalSize: nil)))
            relay(connection, stream: stream)
        }
    }

    /// Passes an exec relay's frames (input, signals, sizes) to its guest process until it hangs up.
    private func relay(_ connection: StreamSocket, stream: UInt32) {
        let reader = ContainerFrameReader(onFrame: { [weak self] frame in
            guard [.input, .endOfInput, .signal, .windowSize].contains(frame.kind) else { return }
            self?.sendToGuest(ContainerFrame(frame.kind, stream: stream, payload: frame.payload))
        }, onCorrupt: { _ in connection.shutDown() })
        while let bytes = connection.readSome() {
            for b in bytes { reader.write(byte: b) }
        }
        // The relay is gone (killed): so is its process.
        let live = lock.withLock { relays.removeValue(forKey: stream) != nil }
        if live { sendToGuest(ContainerFrame(.signal, stream: stream, value: 9)) }
    }

    private func forward(signal: Int32) {
        guard lock.withLock({ started }) else {
            if signal != HostSignalForwarding.windowChange && signal != 18 { HostSignalForwarding.die(by: signal) }  // 18: SIGCONT
            return
        }
        io.forward(signal: signal)
    }

    // MARK: The guest channel

    private func sendToGuest(_ frame: ContainerFrame) {
        console?.receive(frame.encoded)
    }

    /// The container's process: what the init runs once the root is mounted.
    private func sendContainer() {
        let first = lock.withLock { () -> Bool in
            defer { containerSent = true }
            return !containerSent
        }
        guard first, let process = spec.process else { return }
        var extra: [(String, String)] = [("seed", ContainerProcess.seed())] + machine.networkEntries
        if let hostname = spec.hostname { extra.append(("hostname", hostname)) }
        sendToGuest(ContainerFrame(.container, stream: 0, payload: ContainerProcess.entries(process, terminalSize: io.terminalSize, extra: extra)))
    }

    private func received(_ frame: ContainerFrame) {
        if frame.stream != 0 {
            let relay = lock.withLock { relays[frame.stream] }
            guard let relay else { return }
            _ = relay.socket.write(bytes: ContainerFrame(frame.kind, stream: 0, payload: frame.payload).encoded)
            if frame.kind == .exited || frame.kind == .failedToStart {
                lock.withLock { _ = relays.removeValue(forKey: frame.stream) }
                relay.socket.shutDown()
            }
            return
        }
        switch frame.kind {
        case .ready:
            guard let template = lock.withLock({ templateToSave }) else { return sendContainer() }
            // Saving pauses the VM, which waits for this (the console's) thread: save from another.
            _ = try? HostThread.start(name: "template") { [self] in
                saveTemplate(template)
                sendContainer()
            }
        case .started:
            lock.withLock { processStarted = .success(frame.value ?? 0) }
            startReply.unpark()
            io.startInput()
        case .failedToStart:
            let message = String(decoding: frame.payload, as: UTF8.self)
            HostDescriptor.write(2, Array("isola-runtime: \(message)\n".utf8))
            lock.withLock {
                processStarted = .failure(.failed("container \(id): \(message)"))
                mainStatus = (message.contains("No such file") ? 127 : 126) << 8
            }
            startReply.unpark()
        case .output, .errorOutput:
            io.deliver(frame)
        case .exited:
            // The output came before the status on the same channel, and the guest wrote
            // its files through to the host: the container is over, and so is its worker.
            ProcessIO.exit(withWaitStatus: frame.value ?? (255 << 8))
        default:
            break
        }
    }

    private func saveTemplate(_ path: String) {
        guard let vm else { return }
        let temporary = path + ".\(HostProcess.currentID).tmp"
        do {
            _ = try vm.saveSnapshot(to: temporary, configuration: Array("{}".utf8))
            try HostFile.move(temporary, to: path)
            log.info("template saved", metadata: ["path": "\(path)"])
        } catch {
            HostFile.remove(temporary)
            log.warning("no template saved", metadata: ["error": "\(error)"])
        }
        vm.resume()
    }
}

/// The kernel's console, for the state directory's console.log: at most its first
/// `limit` bytes, so a guest that floods its console cannot fill the host's disk.
final class FileByteSink: ByteSink {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    private var written = 0
    static let limit = 4 << 20

    init(path: String) { fd = HostDescriptor.openForAppending(path) }

    func write(byte: UInt8) {
        guard written + buffer.count < FileByteSink.limit else { return }
        buffer.append(byte)
        if byte == 10 || buffer.count >= 4096 { flush() }
    }

    func flush() {
        if let fd, !buffer.isEmpty { HostDescriptor.write(fd, buffer) }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
