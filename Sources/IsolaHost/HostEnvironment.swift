#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment and identity.
public enum HostEnvironment {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    public static var userID: UInt32 { getuid() }
    public static var processID: Int32 { getpid() }
}
