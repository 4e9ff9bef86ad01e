/// Where a console device sends the bytes a guest writes.
public protocol ByteSink: AnyObject {
    func write(byte: UInt8)
    /// Pushes buffered bytes out; called when the guest idles or stops.
    func flush()
}
