import Atomics
import IsolaCore
import IsolaHost
import IsolaRISCV

/// A gdb stub for a VM (the GDB remote serial protocol over TCP, as QEMU's `-gdb`):
/// `gdb-multiarch`, `target remote HOST:PORT`, then registers, memory, breakpoints,
/// watchpoints, single steps and Ctrl-C, with each hart a thread. All-stop: when the
/// debugger has control the whole VM is paused (guest time frozen, devices quiet), and
/// a single step moves only the hart stepped.
///
/// Breakpoints (`Z0`, `Z1`) and watchpoints (`Z2`-`Z4`) are the monitor's own
/// (`DebuggerControl`): guest memory is never patched, and the guest's triggers stay
/// the guest's. Memory is read and written through the selected hart's translation.
/// A debugger that disconnects leaves the VM running with its breakpoints gone; the
/// next one may connect.
public final class GDBStub: @unchecked Sendable {
    // Sendable: the session runs on the stub's own thread; `ended` is atomic.
    private let vm: VirtualMachine
    private let listener: StreamSocket
    private let control = DebuggerControl()
    private let ended = ManagedAtomic<Bool>(false)
    private var outcome: RISCVMachine.Outcome?
    private let outcomeMutex = HostMutex()
    private var thread: HostThread?

    /// Where a debugger connects: a TCP port of a host address, or a Unix socket.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: UInt16)
        case unix(path: String)
    }

    /// Where the stub listens, with the port the system picked for TCP port 0.
    public var address: String {
        if let port = listener.localPort, let colon = listener.path.lastIndex(of: ":") {
            return String(listener.path[..<colon]) + ":\(port)"
        }
        return listener.path
    }

    /// Listens at `endpoint`. With `waitForDebugger` the VM does not run its first
    /// instruction until a debugger says continue (QEMU's `-S`).
    public init(vm: VirtualMachine, endpoint: Endpoint, waitForDebugger: Bool) throws {
        self.vm = vm
        switch endpoint {
        case let .tcp(host, port): listener = try StreamSocket.listen(host: host, port: port)
        case let .unix(path): listener = try StreamSocket.listen(at: path)
        }
        for hart in vm.machine.harts { hart.debugger = control }
        if waitForDebugger { vm.machine.context.requestPause() }
    }

    public func start() throws {
        thread = try HostThread.start(name: "gdb") { [self] in
            while let connection = listener.accept() {
                Session(stub: self, connection: connection).run()
                if ended.load(ordering: .acquiring) { return }
            }
        }
    }

    /// Tells a connected debugger how the VM ended (`W` or `X`) and stops listening.
    public func machineEnded(_ outcome: RISCVMachine.Outcome) {
        outcomeMutex.withLock { self.outcome = outcome }
        ended.store(true, ordering: .releasing)
        listener.shutDown()
        thread?.join()
    }

    private var endOutcome: RISCVMachine.Outcome? { outcomeMutex.withLock { outcome } }

    /// One debugger connection.
    private final class Session {
        let stub: GDBStub
        let connection: StreamSocket
        var reader = GDBPacket.Reader()
        var acknowledging = true
        /// QEMU's `Qqemu.PhyMemMode:1`: `m`, `M` and `X` take guest-physical addresses.
        var physicalMemory = false
        /// The hart `g`, `p`, `m` and friends act on (`Hg`), and the one last stopped.
        var selected = 0
        var machine: RISCVMachine { stub.vm.machine }
        var control: DebuggerControl { stub.control }

        init(stub: GDBStub, connection: StreamSocket) {
            self.stub = stub
            self.connection = connection
        }

        func run() {
            // A debugger finds the VM stopped.
            if !stub.vm.isPaused && !stub.ended.load(ordering: .acquiring) { _ = stub.vm.pause() }
            while let packet = nextPacket(waitingForStop: false) {
                guard let reply = handle(packet) else { break }
                if let reply { send(reply) }
            }
            // Gone: its breakpoints go with it, and the VM runs on.
            control.removeAll()
            if stub.vm.isPaused { stub.vm.resume() }
            connection.shutDown()
        }

        /// The next packet; nil once the debugger is gone or the VM ended. While waiting for
        /// a stop, a stop event or Ctrl-C ends the wait with the stop reply sent.
        func nextPacket(waitingForStop: Bool) -> [UInt8]? {
            while true {
                while let item = reader.next() {
                    switch item {
                    case let .packet(payload):
                        if acknowledging { _ = connection.write(bytes: [UInt8(ascii: "+")]) }
                        return payload
                    case .corrupt:
                        _ = connection.write(bytes: [UInt8(ascii: "-")])
                    case .interrupt:
                        if waitingForStop {
                            _ = stub.vm.pause()
                            _ = control.takeEvent()
                            return nil
                        }
                    case .acknowledgement:
                        break
                    }
                }
                if waitingForStop && (control.hasEvent || stub.ended.load(ordering: .acquiring)) { return nil }
                if !waitingForStop && stub.ended.load(ordering: .acquiring) {
                    sendExit()
                    return nil
                }
                guard connection.waitReadable(milliseconds: 20) else { continue }
                guard let bytes = connection.readSome() else { return nil }
                reader.feed(bytes)
            }
        }

        /// Sends a reply. gdb's `+` for it arrives later and is skipped by the reader: over
        /// TCP nothing is lost, so nothing is ever sent twice.
        func send(_ reply: String) {
            _ = connection.write(bytes: GDBPacket.frame(reply))
        }

        func sendExit() {
            switch stub.endOutcome {
            case let .poweroff(code)?: send("W" + Hex.encode([UInt8(truncatingIfNeeded: code)]))
            case .crashed?: send("X0b")
            default: send("W00")
            }
        }

        var hart: Hart { machine.harts[selected] }
        func threadID(_ hart: Int) -> String { String(hart + 1, radix: 16) }

        /// The reply to one packet: a string (maybe empty: "not supported"), nil to end the session.
        func handle(_ payload: [UInt8]) -> String?? {
            let text = String(decoding: payload, as: UTF8.self)
            guard let command = text.first else { return .some("") }
            let arguments = text.dropFirst()
            switch command {
            case "?": return stopReply(for: nil)
            case "g": return (0...GDBRegisters.pc).map { GDBPacket.hex(register: GDBRegisters.read($0, on: hart) ?? 0) }.joined()
            case "G": return writeAllRegisters(arguments)
            case "p":
                guard let n = GDBPacket.hexValue(arguments), let value = GDBRegisters.read(Int(n), on: hart) else { return "E01" }
                return GDBPacket.hex(register: value, bytes: GDBRegisters.size(Int(n)))
            case "P":
                let parts = arguments.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let n = GDBPacket.hexValue(parts[0]), let value = GDBPacket.register(fromHex: parts[1]),
                      GDBRegisters.write(Int(n), value, on: hart) else { return "E01" }
                return "OK"
            case "m": return readMemory(arguments)
            case "M": return writeMemory(arguments, binary: false, payload: payload)
            case "X": return writeMemory(arguments, binary: true, payload: payload)
            case "Z", "z": return changePoint(arguments, insert: command == "Z")
            case "H":
                // Hg/Hc TID: 0 and -1 mean any hart.
                guard let kind = arguments.first else { return "E01" }
                let id = arguments.dropFirst()
                if kind == "g", id != "0", id != "-1" {
                    guard let tid = GDBPacket.hexValue(id), tid >= 1, tid <= UInt64(machine.harts.count) else { return "E01" }
                    selected = Int(tid) - 1
                }
                return "OK"
            case "T":
                guard let tid = GDBPacket.hexValue(arguments), tid >= 1, tid <= UInt64(machine.harts.count) else { return "E01" }
                return "OK"
            case "c": return resume(step: nil)
            case "s": return resume(step: selected)
            case "v": return handleV(String(arguments))
            case "q", "Q": return handleQuery(text)
            case "D":
                send("OK")
                return .none
            case "k":
                stub.vm.stop()
                if stub.vm.isPaused { stub.vm.resume() }
                return .none
            default:
                return ""
            }
        }

        func handleQuery(_ text: String) -> String?? {
            if text.hasPrefix("qSupported") {
                return "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+"
            }
            if text == "QStartNoAckMode" {
                send("OK")  // still acknowledged by gdb; nothing is after it
                acknowledging = false
                return .some(nil)
            }
            if text.hasPrefix("Qqemu.PhyMemMode:") {
                physicalMemory = text.hasSuffix(":1")
                return "OK"
            }
            if text == "qqemu.PhyMemMode" { return physicalMemory ? "1" : "0" }
            if text.hasPrefix("qXfer:features:read:target.xml:") {
                let range = text.dropFirst("qXfer:features:read:target.xml:".count).split(separator: ",")
                guard range.count == 2, let offset = GDBPacket.hexValue(range[0]), let length = GDBPacket.hexValue(range[1]) else { return "E01" }
                let document = Array(GDBRegisters.targetDescription.utf8)
                let start = min(Int(offset), document.count)
                let end = min(start + Int(length), document.count)
                return (end == document.count ? "l" : "m") + String(decoding: document[start..<end], as: UTF8.self)
            }
            switch text {
            case "qAttached": return "1"
            case "qC": return "QC" + threadID(selected)
            case "qfThreadInfo": return "m" + (0..<machine.harts.count).map(threadID).joined(separator: ",")
            case "qsThreadInfo": return "l"
            case "qSymbol::": return "OK"
            case "qOffsets": return ""
            default: break
            }
            if text.hasPrefix("qThreadExtraInfo,"), let tid = GDBPacket.hexValue(text.dropFirst("qThreadExtraInfo,".count)),
               tid >= 1, tid <= UInt64(machine.harts.count) {
                let h = machine.harts[Int(tid) - 1]
                return Hex.encode(Array("hart \(tid - 1), \(h.debugPrivilege)-mode".utf8))
            }
            return ""
        }

        func handleV(_ text: String) -> String?? {
            if text == "Cont?" { return "vCont;c;C;s;S" }
            if text == "MustReplyEmpty" { return "" }
            if text.hasPrefix("Kill") {
                stub.vm.stop()
                if stub.vm.isPaused { stub.vm.resume() }
                send("OK")
                return .none
            }
            guard text.hasPrefix("Cont;") else { return "" }
            // vCont;ACTION[:TID];...: a step of one hart wins; otherwise continue.
            for action in text.dropFirst("Cont;".count).split(separator: ";") {
                let parts = action.split(separator: ":", maxSplits: 1)
                guard let verb = parts.first?.first else { continue }
                if verb == "s" || verb == "S" {
                    var hart = selected
                    if parts.count == 2, let tid = GDBPacket.hexValue(parts[1]), tid >= 1, tid <= UInt64(machine.harts.count) {
                        hart = Int(tid) - 1
                    }
                    return resume(step: hart)
                }
            }
            return resume(step: nil)
        }

        /// Continues the VM (or steps one hart of the paused VM) and waits for the stop.
        func resume(step: Int?) -> String?? {
            if let step {
                control.requestStep(hart: step)
                machine.harts[step].kick()
            } else {
                stub.vm.resume()
            }
            while true {
                if nextPacket(waitingForStop: true) != nil { continue }  // packets while running: ignored
                if stub.ended.load(ordering: .acquiring) {
                    sendExit()
                    return .none
                }
                if let event = control.takeEvent() {
                    if step == nil || !stub.vm.isPaused { _ = stub.vm.pause() }
                    return stopReply(for: event)
                }
                // Ctrl-C (the VM is paused now) or the debugger left.
                if stub.vm.isPaused { return stopReply(for: nil, signal: 2) }
                return .none
            }
        }

        func stopReply(for event: DebuggerControl.StopEvent?, signal: UInt8 = 5) -> String {
            var details = ""
            switch event {
            case let .breakpoint(hart, _)?:
                selected = hart
                details = "hwbreak:;"
            case let .watchpoint(hart, kind, address)?:
                selected = hart
                let name = kind == .write ? "watch" : (kind == .read ? "rwatch" : "awatch")
                details = "\(name):\(String(address, radix: 16));"
            case let .stepped(hart)?:
                selected = hart
            case nil:
                break
            }
            return "T" + Hex.encode([signal]) + "thread:\(threadID(selected));" + details
        }

        func readMemory(_ arguments: Substring) -> String {
            let parts = arguments.split(separator: ",")
            guard parts.count == 2, let address = GDBPacket.hexValue(parts[0]), let length = GDBPacket.hexValue(parts[1]),
                  length <= 0x10000 else { return "E01" }
            let read = physicalMemory ? machine.context.ram.read(at: address, length: Int(length)) : hart.debugRead(address, count: Int(length))
            guard let bytes = read else { return "E14" }
            return Hex.encode(bytes)
        }

        /// `M addr,len:hex` or `X addr,len:binary`.
        func writeMemory(_ arguments: Substring, binary: Bool, payload: [UInt8]) -> String {
            guard let colon = payload.firstIndex(of: UInt8(ascii: ":")) else { return "E01" }
            let header = String(decoding: payload[1..<colon], as: UTF8.self).split(separator: ",")
            guard header.count == 2, let address = GDBPacket.hexValue(header[0]), let length = GDBPacket.hexValue(header[1]),
                  length <= 0x10000 else { return "E01" }
            let data = payload[(colon + 1)...]
            guard let bytes = binary ? GDBPacket.unescape(data) : Hex.decode(data), bytes.count == Int(length) else { return "E01" }
            if bytes.isEmpty { return "OK" }
            if physicalMemory {
                guard (try? machine.context.ram.write(bytes, at: address)) != nil else { return "E14" }
                for h in machine.harts { h.post(ExitRequest.fenceI) }
                return "OK"
            }
            return hart.debugWrite(address, bytes) ? "OK" : "E14"
        }

        func writeAllRegisters(_ arguments: Substring) -> String {
            guard let bytes = Hex.decode(arguments), bytes.count >= 33 * 8 else { return "E01" }
            for n in 0...GDBRegisters.pc {
                let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[n * 8 + $1]) << (8 * UInt64($1)) }
                _ = GDBRegisters.write(n, value, on: hart)
            }
            return "OK"
        }

        /// `Z`/`z TYPE,ADDR,KIND`: 0 and 1 are breakpoints, 2 write, 3 read and 4 access watchpoints.
        func changePoint(_ arguments: Substring, insert: Bool) -> String {
            let parts = arguments.split(separator: ",")
            guard parts.count >= 3, let type = Int(parts[0]), let address = GDBPacket.hexValue(parts[1]),
                  let kind = GDBPacket.hexValue(parts[2]) else { return "E01" }
            switch type {
            case 0, 1:
                if insert { control.insertBreakpoint(at: address) } else { control.removeBreakpoint(at: address) }
            case 2, 3, 4:
                let watch = DebuggerControl.Watchpoint(address: address, length: kind, kind: type == 2 ? .write : (type == 3 ? .read : .access))
                if insert { control.insertWatchpoint(watch) } else { control.removeWatchpoint(watch) }
            default:
                return ""
            }
            // Fewer or more points change what the harts may cache.
            for hart in machine.harts { hart.post(ExitRequest.sfenceVMA) }
            return "OK"
        }
    }
}
