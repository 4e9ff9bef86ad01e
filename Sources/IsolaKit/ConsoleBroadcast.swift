import IsolaCore
import IsolaHost

/// The guest's console output (UART, hvc0 and the SBI console share it) handed to
/// every reader as chunks: at each newline, at 4 KiB, and by a flush every 20 ms,
/// so a prompt without a newline shows too.
///
/// `lock` guards `pending` and `flusher`: harts and device threads write, readers
/// subscribe from any task. A reader that falls behind by more than 4096 chunks
/// loses the oldest.
final class ConsoleBroadcast: ByteSink, @unchecked Sendable {
    private let lock = HostMutex()
    private var pending: [UInt8] = []
    private var flusher: HostThread?
    private let readers = StreamBroadcast<[UInt8]>(buffering: 4096)
    static let chunkBytes = 4096
    static let flushNanoseconds: UInt64 = 20_000_000

    func write(byte: UInt8) {
        lock.withLock {
            pending.append(byte)
            if byte == 0x0A || pending.count >= ConsoleBroadcast.chunkBytes { deliver() }
        }
    }

    func flush() {
        lock.withLock { deliver() }
    }

    /// Caller holds `lock`.
    private func deliver() {
        guard !pending.isEmpty else { return }
        readers.yield(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// A new reader: everything written from now on, until the VM stops.
    func stream() -> AsyncStream<[UInt8]> { readers.subscribe() }

    /// Starts the periodic flush (while the VM runs).
    func startFlushing() {
        lock.withLock {
            guard flusher == nil, !readers.isFinished else { return }
            flusher = try? HostThread.start(name: "console-flush") { [weak self] in
                while let self, !self.readers.isFinished {
                    self.flush()
                    HostClock.sleep(nanoseconds: ConsoleBroadcast.flushNanoseconds)
                }
            }
            flusher?.detach()
        }
    }

    /// Delivers what is left and ends every reader's stream (the VM stopped).
    func finish() {
        flush()
        readers.finish()
    }
}
