import IsolaHost

/// A container process's standard streams on the host: where its input comes from
/// and its output goes. Without a terminal they are three descriptors (containerd's
/// FIFOs or pipes, passed through unchanged and kept apart); with one, a single
/// pseudoterminal slave carries all three and its size follows the master's.
public final class ProcessIO: @unchecked Sendable {
    // Sendable: the descriptors are fixed; `send` is set once, before any thread uses it.
    public let input: Int32, output: Int32, errorOutput: Int32
    public let terminal: Bool
    /// Takes frames for the guest process (set by the owner before `startInput`).
    public var send: @Sendable (ContainerFrame) -> Void = { _ in }
    private let stream: UInt32

    public init(input: Int32, output: Int32, errorOutput: Int32, terminal: Bool, stream: UInt32) {
        self.input = input
        self.output = output
        self.errorOutput = errorOutput
        self.terminal = terminal
        self.stream = stream
    }

    /// The terminal's size now, for the guest's terminal (nil without one).
    public var terminalSize: (rows: UInt16, columns: UInt16)? {
        terminal ? HostPseudoTerminal.size(of: input) : nil
    }

    /// Starts copying input to the guest until it ends (then the guest's stdin is closed).
    public func startInput() {
        let input = input, stream = stream, send = send, terminal = terminal
        _ = try? HostThread.start(name: "stdin") {
            while let bytes = HostDescriptor.read(input, maximum: 32768) {
                send(ContainerFrame(.input, stream: stream, payload: bytes))
            }
            if !terminal { send(ContainerFrame(.endOfInput, stream: stream)) }
        }
    }

    /// Passes a signal the host process received to the guest process (a resize, for a
    /// terminal, becomes the guest terminal's new size).
    public func forward(signal: Int32) {
        if signal == HostSignalForwarding.windowChange {
            if let size = terminalSize {
                send(ContainerFrame(.windowSize, stream: stream, payload: [UInt8(size.rows & 0xFF), UInt8(size.rows >> 8),
                                                                           UInt8(size.columns & 0xFF), UInt8(size.columns >> 8)]))
            }
            return
        }
        send(ContainerFrame(.signal, stream: stream, value: UInt32(signal)))
    }

    /// Writes what the guest process printed.
    public func deliver(_ frame: ContainerFrame) {
        switch frame.kind {
        case .output: HostDescriptor.write(output, frame.payload)
        case .errorOutput: HostDescriptor.write(terminal ? output : errorOutput, frame.payload)
        default: break
        }
    }

    /// How the host process ends for a guest wait status: the same exit code, or the same signal.
    public static func exit(withWaitStatus status: UInt32) -> Never {
        let signal = Int32(status & 0x7F)
        if signal != 0 { HostSignalForwarding.die(by: signal) }
        HostProcess.exit(Int32((status >> 8) & 0xFF))
    }
}
