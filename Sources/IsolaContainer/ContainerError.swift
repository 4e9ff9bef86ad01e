/// Why the container runtime refused or failed, with what a caller needs to fix it.
/// The descriptions are runc's where callers match on them ("does not exist").
public enum ContainerError: Error, Equatable, CustomStringConvertible {
    case invalidSpec(field: String, reason: String)
    case invalidID(String)
    case notFound(id: String)
    case alreadyExists(id: String)
    case wrongState(id: String, status: String, wanted: String)
    case failed(String)

    public var description: String {
        switch self {
        case let .invalidSpec(field, reason): return "\(field): \(reason)"
        case let .invalidID(id): return "invalid container ID '\(id)': use 1 to 1024 of A-Z a-z 0-9 _ + - ."
        case let .notFound(id): return "container \(id) does not exist"
        case let .alreadyExists(id): return "container with id exists: \(id)"
        case let .wrongState(id, status, wanted): return "container \(id) is \(status): \(wanted)"
        case let .failed(message): return message
        }
    }

    /// runc's rule for IDs (they name a directory): letters, digits and `_ + - .`.
    public static func checkID(_ id: String) throws(ContainerError) {
        let allowed = id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2B || c == 0x2D || c == 0x2E
        }
        guard allowed, (1...1024).contains(id.utf8.count), id != ".", id != ".." else { throw .invalidID(id) }
    }
}
