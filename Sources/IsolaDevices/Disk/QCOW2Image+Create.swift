import IsolaHost

extension QCOW2Image {
    /// Creates a qcow2 v3 image (64 KiB clusters, 16-bit refcounts), optionally as an
    /// overlay of `backing`, whose size it takes unless `size` is given. The new file
    /// must not exist; if creation fails part-way the file is removed.
    public static func create(path: String, size: UInt64?, backing: String?, backingFormat: DiskImageFormat? = nil) throws {
        var virtualSize = size ?? 0
        var format = backingFormat
        if let backing {
            // Open the base exactly as the overlay will, relative to the overlay's directory.
            let resolved = resolve(backing: backing, relativeTo: path)
            let base = try DiskImageFormat.open(path: resolved, readOnly: true, format: backingFormat)
            format = base is QCOW2Image ? .qcow2 : .raw
            virtualSize = size ?? base.byteCount
        }
        guard virtualSize > 0 else { throw DiskImageError.invalid(path: path, reason: "a disk needs a size (or a backing file)") }
        guard virtualSize < 1 << 50 else { throw DiskImageError.invalid(path: path, reason: "size \(virtualSize) exceeds 1 PiB") }
        let clusterBits: UInt32 = 16
        let clusterSize = UInt64(1) << UInt64(clusterBits)
        let l2Coverage = clusterSize * (clusterSize / 8)
        let l1Size = (virtualSize + l2Coverage - 1) / l2Coverage
        let l1Clusters = max(1, (l1Size * 8 + clusterSize - 1) / clusterSize)
        // Cluster 0: header; 1: refcount table; 2: refcount block 0; 3...: L1 table.
        let header = QCOW2Header(size: virtualSize, clusterBits: clusterBits, l1Size: UInt32(l1Size),
                                 l1TableOffset: 3 * clusterSize, refcountTableOffset: clusterSize,
                                 refcountTableClusters: 1, backingFile: backing, backingFormat: format?.rawValue)
        var image = [UInt8](repeating: 0, count: Int((3 + l1Clusters) * clusterSize))
        let encoded = header.encoded()
        guard encoded.count <= Int(clusterSize) else { throw DiskImageError.invalid(path: path, reason: "backing file name too long") }
        image.replaceSubrange(0..<encoded.count, with: encoded)
        image.putBigEndian(2 * clusterSize, at: Int(clusterSize))
        for cluster in 0..<Int(3 + l1Clusters) { image.putBigEndian(UInt16(1), at: Int(2 * clusterSize) + cluster * 2) }
        let file = try HostBlockFile.create(path: path)
        let written = file.write(image, at: 0) && file.synchronize()
        guard written else {
            HostBlockFile.remove(path: path)
            throw HostError.io(operation: "write", path: path, errno: HostError.inputOutputError)
        }
    }
}
