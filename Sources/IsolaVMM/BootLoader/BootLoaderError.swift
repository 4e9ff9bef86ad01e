/// Why Isola could not boot what a disk names. Everything on a disk is the guest's
/// to write, so every case says which disk and which structure was wrong rather
/// than trusting it.
public enum BootLoaderError: Error, CustomStringConvertible, Equatable {
    /// A read the disk could not serve: past its end, or a host I/O error.
    case unreadable(disk: String, offset: UInt64, count: Int)
    /// A structure on the disk that contradicts itself or its format.
    case corrupt(disk: String, structure: String, reason: String)
    /// A valid structure that this reader does not implement.
    case unsupported(disk: String, feature: String)
    case notFound(disk: String, path: String)
    case tooLarge(disk: String, path: String, size: UInt64, limit: UInt64)
    /// An extlinux.conf that cannot be followed: a line of it, or (line nil) the whole.
    case configuration(disk: String, path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(disk, offset, count):
            return "\(disk): cannot read \(count) bytes at offset \(offset)"
        case let .corrupt(disk, structure, reason):
            return "\(disk): corrupt \(structure): \(reason)"
        case let .unsupported(disk, feature):
            return "\(disk): \(feature) is not supported"
        case let .notFound(disk, path):
            return "\(disk): \(path) does not exist"
        case let .tooLarge(disk, path, size, limit):
            return "\(disk): \(path) is \(size) bytes, more than the \(limit) bytes it may take"
        case let .configuration(disk, path, line, reason):
            return "\(disk): \(path)\(line.map { " line \($0)" } ?? ""): \(reason)"
        }
    }
}
