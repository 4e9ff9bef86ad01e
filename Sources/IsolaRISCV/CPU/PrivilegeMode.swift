/// The privilege levels of the privileged specification (section 1.2), with their encodings.
public enum PrivilegeMode: UInt8, Sendable, CustomStringConvertible {
    case user = 0
    case supervisor = 1
    case machine = 3

    public var description: String {
        switch self {
        case .user: return "U"
        case .supervisor: return "S"
        case .machine: return "M"
        }
    }
}
