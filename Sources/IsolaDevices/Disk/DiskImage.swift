import IsolaHost

/// What a virtual disk needs of its backing store: a fixed size, positioned reads
/// and writes, discard and flush. Raw files and qcow2 overlays both provide it, so
/// virtio-blk never knows which format lies underneath.
///
/// Offsets and counts have been checked against `byteCount` by the caller; the
/// methods return false on a host I/O error (the guest sees VIRTIO_BLK_S_IOERR).
public protocol DiskImage: AnyObject, Sendable {
    /// The virtual disk's size in bytes.
    var byteCount: UInt64 { get }
    var readOnly: Bool { get }
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool
    func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool
    /// A request's buffers in one transfer of consecutive disk bytes: one system call
    /// for a raw image rather than one per guest page.
    func read(into segments: [IOSegment], at offset: UInt64) -> Bool
    func write(from segments: [IOSegment], at offset: UInt64) -> Bool
    /// Makes the range read as zeros, giving its space back to the host where possible.
    func discard(offset: UInt64, length: UInt64) -> Bool
    /// Makes everything written so far durable (the guest's flush).
    func synchronize() -> Bool
}

extension DiskImage {
    /// Buffer by buffer, for formats whose bytes are not one file range.
    public func read(into segments: [IOSegment], at offset: UInt64) -> Bool {
        var position = offset
        for segment in segments {
            guard read(into: segment.base, count: segment.count, at: position) else { return false }
            position += UInt64(segment.count)
        }
        return true
    }

    public func write(from segments: [IOSegment], at offset: UInt64) -> Bool {
        var position = offset
        for segment in segments {
            guard write(from: segment.base, count: segment.count, at: position) else { return false }
            position += UInt64(segment.count)
        }
        return true
    }
}
