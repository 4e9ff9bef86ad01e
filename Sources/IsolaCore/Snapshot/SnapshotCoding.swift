/// The byte encoding of saved machine state: little-endian integers appended to a
/// buffer, read back with every read bounds-checked, so a truncated or hostile
/// snapshot is an error, never a crash or a read past the end.
public struct SnapshotWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        // SAFETY: the value's own bytes, copied out inside the closure.
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A count, then the values.
    public mutating func write<T: FixedWidthInteger>(_ values: [T]) {
        write(UInt32(values.count))
        for v in values { write(v) }
    }

    public mutating func write(_ raw: [UInt8], lengthPrefixed: Bool) {
        if lengthPrefixed { write(UInt32(raw.count)) }
        bytes.append(contentsOf: raw)
    }
}

public struct SnapshotReader: Sendable {
    // Inlinable, so that reading a field is not a generic call across modules: a
    // template's restore reads thousands, and each was one.
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var position = 0
    public var offset: Int { position }
    /// What the bytes are, for errors ("hart 2", "uart").
    public let what: String

    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    public var isAtEnd: Bool { offset == bytes.count }

    @inlinable
    public mutating func read<T: FixedWidthInteger>(_ type: T.Type = T.self) throws(SnapshotError) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { throw .truncated(what: what, offset: offset) }
        defer { position += size }
        // SAFETY: the guard leaves `size` bytes from `offset` (never negative); loadUnaligned needs no alignment.
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    public mutating func readBool() throws(SnapshotError) -> Bool {
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw .invalid(what: what, reason: "a flag byte is \(other)")
        }
    }

    /// A count-prefixed array, refusing a count that does not match `expected` (when given).
    @inlinable
    public mutating func readArray<T: FixedWidthInteger>(_ type: T.Type = T.self, expected: Int? = nil) throws(SnapshotError) -> [T] {
        let count = Int(try read(UInt32.self))
        if let expected, count != expected {
            throw .invalid(what: what, reason: "\(count) entries where this machine has \(expected)")
        }
        guard count <= (bytes.count - offset) / MemoryLayout<T>.size else { throw .truncated(what: what, offset: offset) }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(T.self)) }
        return values
    }

    public mutating func readBytes(count: Int) throws(SnapshotError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw .truncated(what: what, offset: offset) }
        defer { position += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Refuses bytes left over: a section longer than its reader expects is not this version's.
    public func finish() throws(SnapshotError) {
        guard isAtEnd else { throw .invalid(what: what, reason: "\(bytes.count - offset) bytes left over") }
    }
}

/// Why saved state cannot be restored.
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case truncated(what: String, offset: Int)
    case invalid(what: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(what, offset): return "\(what): truncated at byte \(offset)"
        case let .invalid(what, reason): return "\(what): \(reason)"
        }
    }
}
