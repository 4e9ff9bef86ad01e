import Atomics
import IsolaHost
import IsolaVMM

/// Connects the host terminal to the guest's UART: raw mode on a real
/// terminal, an input thread, and the Ctrl-A escape keys. With standard input
/// not a terminal, input is still forwarded, and its end does not stop the guest.
final class InteractiveConsole: @unchecked Sendable {
    // Sendable: `vm` is used only through thread-safe calls (type, stop, registerDump).
    private let vm: VirtualMachine

    init(vm: VirtualMachine) {
        self.vm = vm
    }

    func start() throws {
        let interactive = Terminal.standardInputIsTerminal
        if interactive { Terminal.enterRawMode() }
        _ = try HostThread.start(name: "console-input") { [vm] in
            var escape = ConsoleEscape()
            while true {
                let bytes = Terminal.readInput()
                if bytes.isEmpty { return }  // end of input: the guest keeps running
                for action in escape.feed(bytes) {
                    switch action {
                    case let .guest(b): vm.type(b)
                    case .quit:
                        HostOutput.standardError.write("\r\nisola: quit\r\n")
                        vm.stop()
                        return
                    case .monitor:
                        if InteractiveConsole.monitor(vm) == .quit {
                            vm.stop()
                            return
                        }
                    }
                }
            }
        }
    }

    func finish() {
        Terminal.restore()
    }

    enum MonitorResult { case resume, quit }

    /// The tiny monitor prompt: reads commands until `cont` or `quit`.
    static func monitor(_ vm: VirtualMachine) -> MonitorResult {
        let out = HostOutput.standardError
        out.write("\r\n(isola) ")
        var line: [UInt8] = []
        while true {
            let bytes = Terminal.readInput(maximum: 1)
            guard let b = bytes.first else { return .resume }
            switch b {
            case 13, 10:
                out.write("\r\n")
                let command = String(decoding: line, as: UTF8.self).trimmingSpaces
                line.removeAll()
                switch command {
                case "info registers", "info r":
                    out.write(vm.registerDump().replacingNewlines + "\r\n")
                case "info balloon":
                    if let (b, _) = vm.machine.balloon {
                        out.write("balloon: target \(UInt64(b.target) * 4 / 1024) MiB, guest reports \(UInt64(b.actual) * 4 / 1024) MiB, returned to the host \(b.inflatedPages.load(ordering: .relaxed) * 4 / 1024) MiB\r\n")
                    } else {
                        out.write("no balloon device\r\n")
                    }
                case let c where c.hasPrefix("balloon "):
                    if let mib = UInt64(c.dropFirst(8)), vm.setBalloonTarget(bytes: mib << 20) {
                        out.write("balloon target set to \(mib) MiB\r\n")
                    } else {
                        out.write("usage: balloon MIB\r\n")
                    }
                case "stop":
                    out.write(vm.machine.context.pause() ? "paused: every hart stopped, guest time frozen\r\n" : "the harts did not all stop; still running\r\n")
                case "info status":
                    out.write(vm.machine.context.isPaused ? "paused\r\n" : "running\r\n")
                case "quit", "q":
                    return .quit
                case "cont", "c", "":
                    vm.machine.context.resume()
                    return .resume
                case "help", "?":
                    out.write("info registers   show every hart's registers\r\ninfo balloon     the balloon's target and size\r\nballoon MIB      ask the guest to give MIB of RAM back to the host\r\nstop             pause the VM: harts stop, guest time freezes\r\ninfo status      running or paused\r\ncont             resume (if paused) and go back to the console\r\nquit             stop the VM\r\n")
                default:
                    out.write("unknown command '\(command)' (try help)\r\n")
                }
                out.write("(isola) ")
            case 127, 8:
                if !line.isEmpty { line.removeLast(); out.write("\u{8} \u{8}") }
            default:
                line.append(b)
                out.write([b])
            }
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    fileprivate var replacingNewlines: String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}
