import IsolaHost

extension QCOW2Image {
    /// Renames an image's backing file in its header without touching data (what
    /// `qemu-img rebase -u` does): for a layer moved to another directory, whose
    /// relative backing name must now be relative to where it lies. The new name may
    /// not be longer than the old, so it fits where the old one was. `rename` is given
    /// the old name; an image without a backing file is left alone. `regaining` undoes
    /// an earlier shortening by that many bytes: the header had room for them before.
    public static func renameBacking(path: String, regaining: Int = 0, _ rename: (String) -> String) throws {
        let file = try HostBlockFile(path: path, readOnly: false)
        var fixed = [UInt8](repeating: 0, count: 20)
        guard file.read(into: &fixed, at: 0),
              fixed.bigEndian(UInt32.self, at: 0) == QCOW2Header.magic else {
            throw DiskImageError.invalid(path: path, reason: "not a qcow2 image")
        }
        let offset = fixed.bigEndian(UInt64.self, at: 8)
        let length = fixed.bigEndian(UInt32.self, at: 16)
        guard offset != 0 else { return }
        guard length <= 1023 else { throw DiskImageError.invalid(path: path, reason: "backing file name length \(length)") }
        var old = [UInt8](repeating: 0, count: Int(length))
        guard file.read(into: &old, at: offset) else {
            throw HostError.io(operation: "read", path: path, errno: HostError.inputOutputError)
        }
        let name = rename(String(decoding: old, as: UTF8.self))
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= Int(length) + regaining, bytes.count <= 1023 else {
            throw DiskImageError.invalid(path: path, reason: "backing name '\(name)' does not fit where the old one was")
        }
        var size = [UInt8](repeating: 0, count: 4)
        size.putBigEndian(UInt32(bytes.count), at: 0)
        let written = file.write(bytes, at: offset)
            && file.write(size, at: 16) && file.synchronize()
        guard written else { throw HostError.io(operation: "write", path: path, errno: HostError.inputOutputError) }
    }
}
