import IsolaHost

/// One source, any number of readers: each `subscribe` is an `AsyncStream` fed
/// from then on, until `finish` ends them all (the VM's console, its states).
///
/// `lock` guards `readers` and `finished`. Yielding happens under it (it never
/// blocks); finishing happens outside it, because finishing a stream runs its
/// `onTermination`, which takes the lock to forget the reader.
final class StreamBroadcast<Element: Sendable>: @unchecked Sendable {
    private let lock = HostMutex()
    private var readers: [Int: AsyncStream<Element>.Continuation] = [:]
    private var nextReader = 0
    private var finished = false
    /// How many elements a reader that falls behind keeps (the newest).
    private let buffering: Int

    init(buffering: Int) {
        self.buffering = buffering
    }

    var isFinished: Bool { lock.withLock { finished } }

    /// A new reader, given `first` before anything else; ended at once after `finish`.
    func subscribe(first: Element? = nil) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(buffering))
        if let first { continuation.yield(first) }
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

    func yield(_ element: Element) {
        lock.withLock {
            for reader in readers.values { reader.yield(element) }
        }
    }

    /// Ends every reader's stream; later readers get an ended one.
    func finish() {
        let ending = lock.withLock {
            finished = true
            defer { readers.removeAll() }
            return Array(readers.values)
        }
        for reader in ending { reader.finish() }
    }
}
