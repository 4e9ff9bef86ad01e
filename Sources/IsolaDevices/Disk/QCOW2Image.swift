import IsolaHost

/// A qcow2 image (versions 2 and 3): a sparse virtual disk whose clusters are mapped
/// through a two-level table (L1 -> L2 -> data cluster). Clusters that were never written
/// read from the backing file, so a qcow2 overlay on a read-only base gives each VM its
/// own copy-on-write disk. New clusters are appended to the file and counted in the
/// refcount table, so `qemu-img check` finds the image consistent.
///
/// Metadata is written through as it changes (data cluster, then its refcount, then the
/// L2 entry that points to it); a guest flush `fsync`s the file. Compression,
/// encryption, external data files, extended L2 entries and writing images with
/// internal snapshots are refused with a clear error.
public final class QCOW2Image: DiskImage, @unchecked Sendable {
    // Sendable: every access to the tables goes through `lock`.
    public let path: String
    public let readOnly: Bool
    public var byteCount: UInt64 { header.size }
    /// The image whose contents show through unallocated clusters, if any.
    public let backing: DiskImage?
    public var backingFile: String? { header.backingFile }

    let header: QCOW2Header
    let file: HostBlockFile
    let lock = HostMutex()
    let clusterSize: UInt64
    let l2Bits: UInt64
    var l1: [UInt64]
    var l2Cache: [UInt64: [UInt64]] = [:]
    var refcountTable: [UInt64]
    /// Where the refcount table lies now (it moves when it grows).
    var refcountTableOffset: UInt64
    var refcountBlockCache: [UInt64: [UInt8]] = [:]
    /// Where the next cluster is allocated: the file's end, rounded up to a cluster.
    var fileEnd: UInt64

    static let offsetMask: UInt64 = 0x00ff_ffff_ffff_fe00
    static let copiedFlag: UInt64 = 1 << 63, compressedFlag: UInt64 = 1 << 62, zeroFlag: UInt64 = 1
    static let incompatibleDirty: UInt64 = 1 << 0, incompatibleCorrupt: UInt64 = 1 << 1
    static let incompatibleExternalData: UInt64 = 1 << 2, incompatibleCompressionType: UInt64 = 1 << 3
    static let incompatibleExtendedL2: UInt64 = 1 << 4
    static let maxBackingDepth = 16, maxTableBytes: UInt64 = 32 << 20, cacheLimit = 64

    public convenience init(path: String, readOnly: Bool) throws {
        try self.init(path: path, readOnly: readOnly, depth: 0)
    }

    init(path: String, readOnly: Bool, depth: Int) throws {
        guard depth < QCOW2Image.maxBackingDepth else {
            throw DiskImageError.invalid(path: path, reason: "backing chain deeper than \(QCOW2Image.maxBackingDepth) (a loop?)")
        }
        self.path = path
        self.readOnly = readOnly
        let file = try HostBlockFile(path: path, readOnly: readOnly)
        self.file = file
        var first = [UInt8](repeating: 0, count: Int(min(file.byteCount, 2 << 20)))
        guard first.count >= 72, file.read(into: &first, at: 0) else {
            throw DiskImageError.invalid(path: path, reason: "file too short for a header")
        }
        let header = try QCOW2Header(bytes: first, path: path)
        self.header = header
        try QCOW2Image.checkFeatures(header, path: path, readOnly: readOnly)
        clusterSize = header.clusterSize
        l2Bits = UInt64(header.clusterBits) - 3
        let l2Coverage = clusterSize << l2Bits
        let (needed, _) = header.size.addingReportingOverflow(l2Coverage - 1)
        guard header.size < 1 << 56, UInt64(header.l1Size) >= needed / l2Coverage,
              UInt64(header.l1Size) * 8 <= QCOW2Image.maxTableBytes,
              UInt64(header.refcountTableClusters) * clusterSize <= QCOW2Image.maxTableBytes else {
            throw DiskImageError.invalid(path: path, reason: "L1 or refcount table size does not fit the disk size \(header.size)")
        }
        refcountTableOffset = header.refcountTableOffset
        fileEnd = (file.byteCount + clusterSize - 1) / clusterSize * clusterSize
        l1 = try QCOW2Image.readTable(file, at: header.l1TableOffset, entries: Int(header.l1Size), path: path, name: "L1")
        refcountTable = try QCOW2Image.readTable(file, at: header.refcountTableOffset,
                                                 entries: Int(UInt64(header.refcountTableClusters) * clusterSize / 8),
                                                 path: path, name: "refcount")
        if let name = header.backingFile {
            let resolved = QCOW2Image.resolve(backing: name, relativeTo: path)
            let format: DiskImageFormat
            switch header.backingFormat {
            case nil: format = try DiskImageFormat.probe(path: resolved)
            case let name?:
                guard let known = DiskImageFormat(rawValue: name) else {
                    throw DiskImageError.unsupported(path: path, feature: "backing file format '\(name)'")
                }
                format = known
            }
            backing = format == .qcow2 ? try QCOW2Image(path: resolved, readOnly: true, depth: depth + 1)
                : RawDiskImage(file: try HostBlockFile(path: resolved, readOnly: true), probed: false)
        } else {
            backing = nil
        }
        if !readOnly && header.autoclearFeatures != 0 {
            // Autoclear features (bitmaps) describe data Isola does not keep up to date: clear them.
            let zero = [UInt8](repeating: 0, count: 8)
            guard file.write(zero, at: 88) else {
                throw HostError.io(operation: "write header", path: path, errno: HostError.inputOutputError)
            }
        }
    }

    private static func checkFeatures(_ header: QCOW2Header, path: String, readOnly: Bool) throws(DiskImageError) {
        let incompatible = header.incompatibleFeatures
        if header.cryptMethod != 0 { throw .unsupported(path: path, feature: "an encrypted image") }
        if incompatible & incompatibleExternalData != 0 { throw .unsupported(path: path, feature: "an external data file") }
        if incompatible & incompatibleExtendedL2 != 0 { throw .unsupported(path: path, feature: "extended L2 entries") }
        let known = incompatibleDirty | incompatibleCorrupt | incompatibleExternalData | incompatibleCompressionType | incompatibleExtendedL2
        if incompatible & ~known != 0 {
            throw .unsupported(path: path, feature: "incompatible feature bits 0x\(String(incompatible & ~known, radix: 16))")
        }
        guard !readOnly else { return }
        if incompatible & incompatibleCorrupt != 0 {
            throw .invalid(path: path, reason: "marked corrupt; repair it with 'qemu-img check -r all' or open it readonly")
        }
        if incompatible & incompatibleDirty != 0 {
            throw .unsupported(path: path, feature: "writing a dirty image (lazy refcounts); run 'qemu-img check -r all' first")
        }
        if header.snapshotCount != 0 { throw .unsupported(path: path, feature: "writing an image with internal snapshots") }
    }

    /// A relative backing file name is relative to the overlay's directory, as in QEMU.
    public static func resolve(backing name: String, relativeTo path: String) -> String {
        guard !name.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }

    static func readTable(_ file: HostBlockFile, at offset: UInt64, entries: Int, path: String, name: String) throws -> [UInt64] {
        var bytes = [UInt8](repeating: 0, count: entries * 8)
        guard entries == 0 || file.read(into: &bytes, at: offset) else {
            throw DiskImageError.invalid(path: path, reason: "\(name) table at 0x\(String(offset, radix: 16)) lies beyond the file's end")
        }
        return (0..<entries).map { bytes.bigEndian(UInt64.self, at: $0 * 8) }
    }

    // MARK: DiskImage

    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        lock.withLock { readClusters(into: buffer, count: count, at: offset) }
    }

    public func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        guard !readOnly else { return false }
        return lock.withLock {
            var done = 0
            while done < count {
                let at = offset + UInt64(done)
                let n = min(count - done, Int(clusterSize - at % clusterSize))
                guard writeWithinCluster(from: buffer + done, count: n, at: at) else { return false }
                done += n
            }
            return true
        }
    }

    public func discard(offset: UInt64, length: UInt64) -> Bool {
        guard !readOnly else { return false }
        return lock.withLock {
            var at = offset
            let end = offset + length
            while at < end {
                let clusterStart = at / clusterSize * clusterSize
                let n = min(end, clusterStart + clusterSize) - at
                // A whole cluster (or the tail of the disk) becomes a zero cluster; a part is written as zeros.
                let whole = at == clusterStart && (n == clusterSize || at + n >= header.size)
                guard whole ? zeroCluster(at: clusterStart) : writeZeros(count: Int(n), at: at) else { return false }
                at += n
            }
            return true
        }
    }

    public func synchronize() -> Bool {
        file.synchronize()
    }
}
