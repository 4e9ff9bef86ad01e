#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed host operation, carrying what was attempted, on which path, and the OS's reason.
public enum HostError: Error, CustomStringConvertible, Equatable {
    case io(operation: String, path: String, errno: Int32)
    case outOfMemory(bytes: Int, errno: Int32)

    public var description: String {
        switch self {
        case let .io(operation, path, code):
            return "\(operation) \(path): \(HostError.message(code))"
        case let .outOfMemory(bytes, code):
            return "cannot reserve \(bytes) bytes of guest memory: \(HostError.message(code))"
        }
    }

    /// EADDRINUSE: a socket someone already listens on.
    public static let addressInUse: Int32 = EADDRINUSE

    /// EIO, for failures whose own errno was not kept (a short write, a failed positioned write).
    public static let inputOutputError: Int32 = EIO

    /// The C library's text for an errno value.
    public static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
