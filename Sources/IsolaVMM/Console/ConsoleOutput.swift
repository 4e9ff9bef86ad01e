import IsolaCore
import IsolaHost

/// Sends guest console bytes to a host file descriptor, line-buffered so a
/// chatty guest costs one write per line rather than one per byte.
public final class ConsoleOutput: ByteSink, @unchecked Sendable {
    // Sendable: guarded by `lock`; harts on several threads may print.
    private let output: HostOutput
    private let lock = HostMutex()
    private var buffer: [UInt8] = []
    /// Everything written, when capture is on (tests read it).
    public private(set) var captured: [UInt8] = []
    private let capture: Bool

    public init(output: HostOutput = .standardOutput, capture: Bool = false) {
        self.output = output
        self.capture = capture
        buffer.reserveCapacity(256)
    }

    public func write(byte: UInt8) {
        lock.withLock {
            buffer.append(byte)
            if capture { captured.append(byte) }
            if byte == 10 || buffer.count >= 256 { flushLocked() }
        }
    }

    public func flush() {
        lock.withLock { flushLocked() }
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes every `intervalMilliseconds` from a background thread, so a prompt
    /// without a newline still reaches the screen.
    public func startPeriodicFlush(intervalMilliseconds: UInt64 = 20) throws {
        let parker = Parker()
        _ = try HostThread.start(name: "console-flush") { [weak self] in
            while let self {
                parker.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + intervalMilliseconds * 1_000_000)
                self.flush()
            }
        }
    }

    /// The captured output as text.
    public var capturedText: String {
        lock.withLock { String(decoding: captured, as: UTF8.self) }
    }
}
