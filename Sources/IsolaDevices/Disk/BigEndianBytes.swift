/// Reads and writes of big-endian integers in a byte array, as qcow2 stores them.
extension Array where Element == UInt8 {
    func bigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value = value << 8 | T(self[offset + i]) }
        return value
    }

    mutating func putBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        let size = MemoryLayout<T>.size
        for i in 0..<size { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * (size - 1 - i))) }
    }
}
