import IsolaHost

/// A kernel or initrd to load: its bytes and the name errors give it (a host path,
/// or where on the guest's disk it was read).
public struct BootFile: Sendable {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        (self.name, self.bytes) = (name, bytes)
    }

    /// Reads a host file.
    public init(path: String) throws {
        (name, bytes) = (path, try HostFile.readAll(path))
    }
}
