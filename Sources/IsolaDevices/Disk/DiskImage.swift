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
    /// Makes the range read as zeros, giving its space back to the host where possible.
    func discard(offset: UInt64, length: UInt64) -> Bool
    /// Makes everything written so far durable (the guest's flush).
    func synchronize() -> Bool
}
