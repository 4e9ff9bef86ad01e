/// A node of a device tree as the generator builds it (Devicetree Specification v0.4, chapter 2).
public struct DeviceTreeNode {
    public enum Value {
        case empty
        case cells([UInt32])
        case string(String)
        case strings([String])
        case bytes([UInt8])

        /// One 64-bit value as two cells (high word first).
        public static func u64(_ v: UInt64) -> Value { .cells([UInt32(v >> 32), UInt32(v & 0xFFFF_FFFF)]) }
        /// `reg`/`ranges` pairs with two address and two size cells.
        public static func reg(_ address: UInt64, _ size: UInt64) -> Value {
            .cells([UInt32(address >> 32), UInt32(address & 0xFFFF_FFFF), UInt32(size >> 32), UInt32(size & 0xFFFF_FFFF)])
        }

        /// The big-endian encoding of the property value.
        var encoded: [UInt8] {
            switch self {
            case .empty: return []
            case let .cells(cells): return cells.flatMap(DeviceTreeNode.bigEndian)
            case let .string(s): return Array(s.utf8) + [0]
            case let .strings(list): return list.flatMap { Array($0.utf8) + [0] }
            case let .bytes(b): return b
            }
        }
    }

    public var name: String
    public var properties: [(name: String, value: Value)] = []
    public var children: [DeviceTreeNode] = []

    public init(_ name: String, _ properties: [(String, Value)] = [], children: [DeviceTreeNode] = []) {
        self.name = name
        self.properties = properties.map { (name: $0.0, value: $0.1) }
        self.children = children
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
