import IsolaHost

/// The on-disk formats Isola opens: a raw image or a qcow2 (v2/v3) image.
public enum DiskImageFormat: String, Sendable, CaseIterable {
    case raw
    case qcow2

    /// Recognises qcow2 by its magic; anything else is raw.
    public static func probe(path: String) throws -> DiskImageFormat {
        let file = try HostBlockFile(path: path, readOnly: true)
        var magic: UInt32 = 0
        // SAFETY: the read fills `magic`'s own 4 bytes (the buffer's count) inside the closure.
        guard file.byteCount >= 4, withUnsafeMutableBytes(of: &magic, { file.read(into: $0, at: 0) }) else {
            return .raw
        }
        return UInt32(bigEndian: magic) == QCOW2Header.magic ? .qcow2 : .raw
    }

    /// Opens an image in the given format, or probes it. A probed raw image refuses
    /// guest writes that would make it look like qcow2 (the guest could otherwise name
    /// any host file as a backing file and read it at the next boot).
    public static func open(path: String, readOnly: Bool, format: DiskImageFormat? = nil) throws -> DiskImage {
        switch try format ?? probe(path: path) {
        case .qcow2:
            return try QCOW2Image(path: path, readOnly: readOnly)
        case .raw:
            return RawDiskImage(file: try HostBlockFile(path: path, readOnly: readOnly), probed: format == nil)
        }
    }
}
