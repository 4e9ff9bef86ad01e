import IsolaHost

/// A raw image: guest sector N is byte N*512 of the file.
public final class RawDiskImage: DiskImage {
    private let file: HostBlockFile
    /// True when the format was guessed rather than named, which makes writes that
    /// would start the file with a qcow2 header a hazard to refuse.
    private let probed: Bool

    public init(file: HostBlockFile, probed: Bool) {
        self.file = file
        self.probed = probed
    }

    public var byteCount: UInt64 { file.byteCount }
    public var readOnly: Bool { file.readOnly }

    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        file.read(into: buffer, count: count, at: offset)
    }

    public func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        guard !wouldBecomeQCOW2(buffer, count: count, at: offset) else { return false }
        return file.write(from: buffer, count: count, at: offset)
    }

    public func read(into segments: [IOSegment], at offset: UInt64) -> Bool {
        file.read(into: segments, at: offset)
    }

    public func write(from segments: [IOSegment], at offset: UInt64) -> Bool {
        if let first = segments.first, wouldBecomeQCOW2(first.base, count: first.count, at: offset) { return false }
        return file.write(from: segments, at: offset)
    }

    /// Whether a write would start a probed image with the qcow2 magic.
    private func wouldBecomeQCOW2(_ buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        probed && offset == 0 && count >= 4 && UInt32(bigEndian: buffer.loadUnaligned(as: UInt32.self)) == QCOW2Header.magic
    }

    public func discard(offset: UInt64, length: UInt64) -> Bool {
        file.discard(offset: offset, length: length)
    }

    public func synchronize() -> Bool {
        file.synchronize()
    }
}
