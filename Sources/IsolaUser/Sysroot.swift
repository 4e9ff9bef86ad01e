/// Where a dynamically linked program's interpreter and libraries come from
/// (`--sysroot`, default Debian's `libc6-riscv64-cross` at /usr/riscv64-linux-gnu).
/// An absolute path the program names is looked up in the sysroot first, as
/// `qemu-riscv64 -L` does, but only files are taken from there: directories
/// stay the host's, so `ls /` lists the host's root, not the sysroot's.
public struct Sysroot: Sendable {
    public static let debianCross = "/usr/riscv64-linux-gnu"

    /// The sysroot directory without a trailing slash, or nil for none.
    public let root: [UInt8]?

    public init(_ path: String?) {
        guard let path, !path.isEmpty else { root = nil; return }
        var bytes = Array(path.utf8)
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        root = bytes == [UInt8(ascii: "/")] ? nil : bytes
    }

    /// The host path for a path the program uses.
    func hostPath(_ path: [UInt8]) -> [UInt8] {
        guard let root, path.first == UInt8(ascii: "/") else { return path }
        let candidate = root + path
        let (r, status) = HostStatus.statx(directory: LinuxKernel.atFDCWD, path: candidate, flags: 0)
        return r == 0 && !status.isDirectory ? candidate : path
    }

    /// The path the program would use for a host path: inside the sysroot, without it.
    func guestPath(_ hostPath: [UInt8]) -> [UInt8] {
        guard let root, hostPath.count > root.count, hostPath.starts(with: root),
              hostPath[root.count] == UInt8(ascii: "/") else { return hostPath }
        return Array(hostPath[root.count...])
    }
}
