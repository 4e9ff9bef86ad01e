import IsolaHost

/// A VM's console log read as it grows: each `next()` answers what was written since
/// the last, reading only that. A log that shrank is a new run's: it starts over.
struct ConsoleTail {
    let path: String
    private(set) var offset: UInt64
    /// The log's size at the last look.
    private var size: UInt64
    /// At most this much per read; the rest comes with the next.
    static let chunkBytes = 1 << 20

    /// From the start of the log, or from its last `backlog` bytes.
    init(path: String, backlog: UInt64? = nil) {
        self.path = path
        let size = HostFile.size(path) ?? 0
        self.size = size
        offset = backlog.map { size > $0 ? size - $0 : 0 } ?? 0
    }

    /// Whether everything the log held at the last `next()` has been read.
    var isCaughtUp: Bool { offset >= size }

    /// The bytes written since the last call (empty if none).
    mutating func next() -> [UInt8] {
        size = HostFile.size(path) ?? 0
        if size < offset { offset = 0 }
        guard size > offset, let bytes = try? HostFile.readBytes(path, at: offset, count: Int(min(size - offset, UInt64(Self.chunkBytes)))) else {
            return []
        }
        offset += UInt64(bytes.count)
        return bytes
    }
}
