/// A device that answers loads and stores to a range of guest physical addresses.
///
/// Calls arrive on the vCPU thread of the hart that made the access; `offset`
/// is relative to the device's base and `size` is 1, 2, 4 or 8 bytes.
public protocol MMIODevice: AnyObject {
    /// The value of a load; bits above `size` bytes are ignored by the caller.
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}
