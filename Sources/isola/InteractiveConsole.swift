import Atomics
import IsolaHost
import IsolaVMM

/// Connects the host terminal to the guest's UART: raw mode on a real
/// terminal, an input thread, and the Ctrl-A escape keys. With standard input
/// not a terminal, input is still forwarded, and its end does not stop the guest.
final class InteractiveConsole: @unchecked Sendable {
    // Sendable: the VM is used only through thread-safe calls (type, stop); the monitor
    // serializes its own; which monitor is current changes under the mutex.
    private let mutex = HostMutex()
    private var current: Monitor

    init(monitor: Monitor) {
        current = monitor
    }

    /// Points the console at the machine of a new boot (after the guest rebooted).
    func attach(_ monitor: Monitor) {
        mutex.withLock { current = monitor }
    }

    private var monitor: Monitor { mutex.withLock { current } }

    func start() throws {
        let interactive = Terminal.standardInputIsTerminal
        if interactive { Terminal.enterRawMode() }
        // Detached: it may sit in a read of standard input when the process exits.
        try HostThread.start(name: "console-input") { [self] in
            var escape = ConsoleEscape()
            while true {
                let bytes = Terminal.readInput()
                if bytes.isEmpty { return }  // end of input: the guest keeps running
                let monitor = self.monitor
                let vm = monitor.vm
                for action in escape.feed(bytes) {
                    switch action {
                    case let .guest(b): vm.type(b)
                    case .quit:
                        HostOutput.standardError.write("\r\nisola: quit\r\n")
                        vm.stop()
                        return
                    case .monitor:
                        if InteractiveConsole.monitor(monitor) == .quit {
                            vm.stop()
                            return
                        }
                    }
                }
            }
        }.detach()
    }

    func finish() {
        Terminal.restore()
    }

    /// The monitor prompt: reads commands until `cont` or `quit`.
    static func monitor(_ monitor: Monitor) -> Monitor.Outcome {
        let out = HostOutput.standardError
        out.write("\r\n(isola) ")
        var line: [UInt8] = []
        while true {
            let bytes = Terminal.readInput(maximum: 1)
            guard let b = bytes.first else { return .resume }
            switch b {
            case 13, 10:
                out.write("\r\n")
                let (text, outcome) = monitor.execute(String(decoding: line, as: UTF8.self))
                line.removeAll()
                out.write(text.replacingNewlines)
                if outcome != .stay { return outcome }
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
    fileprivate var replacingNewlines: String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}
