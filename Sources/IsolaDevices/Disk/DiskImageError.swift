/// Why a disk image cannot be opened or created, naming the file.
public enum DiskImageError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, reason: String)
    case unsupported(path: String, feature: String)

    public var description: String {
        switch self {
        case let .invalid(path, reason): return "\(path): not a valid qcow2 image: \(reason)"
        case let .unsupported(path, feature): return "\(path): \(feature) is not supported"
        }
    }
}
