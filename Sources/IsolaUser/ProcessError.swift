/// Why a program cannot be started, naming it.
public enum ProcessError: Error, CustomStringConvertible, Equatable {
    case unsupported(path: String, reason: String)
    case outOfMemory

    public var description: String {
        switch self {
        case let .unsupported(path, reason): return "\(path): \(reason)"
        case .outOfMemory: return "out of memory for the program's address space"
        }
    }
}
