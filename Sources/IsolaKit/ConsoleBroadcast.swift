import IsolaCore
import IsolaHost

/// The guest's console output (UART, hvc0 and the SBI console share it) handed to
/// every reader as chunks: at each newline, at 4 KiB, and by a flush every 20 ms,
/// so a prompt without a newline shows too.
///
/// `lock` guards everything: harts and device threads write, readers subscribe from any task.
final class ConsoleBroadcast: ByteSink, @unchecked Sendable {
    private let lock = HostMutex()
    private var pending: [UInt8] = []
    private var readers: [Int: AsyncStream<[UInt8]>.Continuation] = [:]
    private var nextReader = 0
    private var finished = false
    private var flusher: HostThread?
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
        for reader in readers.values { reader.yield(pending) }
        pending.removeAll(keepingCapacity: true)
    }

    /// A new reader: everything written from now on, until the VM stops. A reader
    /// that falls behind by more than 4096 chunks loses the oldest.
    func stream() -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(4096))
        let id: Int? = lock.withLock {
            guard !finished else { return nil }
            nextReader += 1
            readers[nextReader] = continuation
            return nextReader
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.readers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Starts the periodic flush (while the VM runs).
    func startFlushing() {
        lock.withLock {
            guard flusher == nil, !finished else { return }
            flusher = try? HostThread.start(name: "console-flush") { [weak self] in
                while let self, !self.lock.withLock({ self.finished }) {
                    self.flush()
                    HostClock.sleep(nanoseconds: ConsoleBroadcast.flushNanoseconds)
                }
            }
            flusher?.detach()
        }
    }

    /// Delivers what is left and ends every reader's stream (the VM stopped).
    func finish() {
        let ending = lock.withLock {
            deliver()
            finished = true
            defer { readers.removeAll() }
            return Array(readers.values)
        }
        // Outside the lock: finishing runs each stream's `onTermination`, which takes it.
        for reader in ending { reader.finish() }
    }
}
