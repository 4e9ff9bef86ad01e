/// Errors of the shared vocabulary: configurations and guest memory.
public enum CoreError: Error, CustomStringConvertible, Equatable {
    case outsideRAM(address: UInt64, length: UInt64, ramBase: UInt64, ramSize: UInt64)
    case invalidMemorySize(String)
    case invalidConfiguration(field: String, reason: String)

    public var description: String {
        switch self {
        case let .outsideRAM(address, length, base, size):
            return "range 0x\(String(address, radix: 16))+0x\(String(length, radix: 16)) lies outside guest RAM "
                + "0x\(String(base, radix: 16))-0x\(String(base + size, radix: 16))"
        case let .invalidMemorySize(text):
            return "invalid memory size '\(text)': expected a number with an optional K, M or G suffix"
        case let .invalidConfiguration(field, reason):
            return "invalid configuration: \(field): \(reason)"
        }
    }
}
