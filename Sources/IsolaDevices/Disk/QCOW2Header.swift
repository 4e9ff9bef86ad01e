/// The qcow2 header (QEMU's docs/interop/qcow2.txt), versions 2 and 3, with the
/// header extensions Isola reads: the backing file's format. All fields are big-endian.
struct QCOW2Header: Equatable {
    static let magic: UInt32 = 0x5146_49fb  // "QFI\xfb"
    static let version3Length = 104
    static let extensionEnd: UInt32 = 0, extensionBackingFormat: UInt32 = 0xe279_2aca

    var version: UInt32 = 3
    var clusterBits: UInt32 = 16
    /// The virtual disk's size in bytes.
    var size: UInt64
    var cryptMethod: UInt32 = 0
    var l1Size: UInt32
    var l1TableOffset: UInt64
    var refcountTableOffset: UInt64
    var refcountTableClusters: UInt32
    var snapshotCount: UInt32 = 0
    var incompatibleFeatures: UInt64 = 0
    var compatibleFeatures: UInt64 = 0
    var autoclearFeatures: UInt64 = 0
    var refcountOrder: UInt32 = 4
    var headerLength: UInt32 = UInt32(version3Length)
    var backingFile: String?
    var backingFormat: String?

    var clusterSize: UInt64 { 1 << UInt64(clusterBits) }

    /// Parses the header from the image's first cluster (or as much of it as the file holds).
    init(bytes: [UInt8], path: String) throws(DiskImageError) {
        func invalid(_ reason: String) -> DiskImageError { .invalid(path: path, reason: reason) }
        guard bytes.count >= 72, bytes.bigEndian(UInt32.self, at: 0) == QCOW2Header.magic else { throw invalid("no qcow2 magic") }
        version = bytes.bigEndian(UInt32.self, at: 4)
        guard version == 2 || version == 3 else { throw .unsupported(path: path, feature: "qcow2 version \(version)") }
        let backingOffset = bytes.bigEndian(UInt64.self, at: 8)
        let backingLength = bytes.bigEndian(UInt32.self, at: 16)
        clusterBits = bytes.bigEndian(UInt32.self, at: 20)
        guard (9...21).contains(clusterBits) else { throw invalid("cluster_bits \(clusterBits) outside 9...21") }
        size = bytes.bigEndian(UInt64.self, at: 24)
        cryptMethod = bytes.bigEndian(UInt32.self, at: 32)
        l1Size = bytes.bigEndian(UInt32.self, at: 36)
        l1TableOffset = bytes.bigEndian(UInt64.self, at: 40)
        refcountTableOffset = bytes.bigEndian(UInt64.self, at: 48)
        refcountTableClusters = bytes.bigEndian(UInt32.self, at: 56)
        snapshotCount = bytes.bigEndian(UInt32.self, at: 60)
        var extensionsStart = 72
        if version == 3 {
            guard bytes.count >= QCOW2Header.version3Length else { throw invalid("truncated version 3 header") }
            incompatibleFeatures = bytes.bigEndian(UInt64.self, at: 72)
            compatibleFeatures = bytes.bigEndian(UInt64.self, at: 80)
            autoclearFeatures = bytes.bigEndian(UInt64.self, at: 88)
            refcountOrder = bytes.bigEndian(UInt32.self, at: 96)
            headerLength = bytes.bigEndian(UInt32.self, at: 100)
            guard headerLength >= UInt32(QCOW2Header.version3Length), headerLength % 8 == 0, Int(headerLength) <= bytes.count else {
                throw invalid("header_length \(headerLength)")
            }
            extensionsStart = Int(headerLength)
        } else {
            headerLength = 72
        }
        guard refcountOrder <= 6 else { throw invalid("refcount_order \(refcountOrder) above 6") }
        let cluster = UInt64(1) << UInt64(clusterBits)
        for (name, offset) in [("l1_table_offset", l1TableOffset), ("refcount_table_offset", refcountTableOffset)]
        where offset % cluster != 0 || offset == 0 {
            throw invalid("\(name) 0x\(String(offset, radix: 16)) is not a cluster-aligned offset")
        }
        // Extensions: type, length, data padded to 8 bytes; a zero type ends them.
        var at = extensionsStart
        while at + 8 <= bytes.count {
            let type = bytes.bigEndian(UInt32.self, at: at)
            let length = Int(bytes.bigEndian(UInt32.self, at: at + 4))
            if type == QCOW2Header.extensionEnd { break }
            guard length <= bytes.count - at - 8 else { throw invalid("header extension 0x\(String(type, radix: 16)) overruns the first cluster") }
            if type == QCOW2Header.extensionBackingFormat {
                backingFormat = String(decoding: bytes[at + 8..<at + 8 + length], as: UTF8.self)
            }
            at += 8 + (length + 7) / 8 * 8
        }
        if backingOffset != 0 {
            guard backingLength > 0, backingLength <= 1023, backingOffset + UInt64(backingLength) <= UInt64(bytes.count) else {
                throw invalid("backing file name at 0x\(String(backingOffset, radix: 16)) length \(backingLength)")
            }
            backingFile = String(decoding: bytes[Int(backingOffset)..<Int(backingOffset) + Int(backingLength)], as: UTF8.self)
        }
    }

    init(size: UInt64, clusterBits: UInt32, l1Size: UInt32, l1TableOffset: UInt64, refcountTableOffset: UInt64,
         refcountTableClusters: UInt32, backingFile: String?, backingFormat: String?) {
        self.size = size
        self.clusterBits = clusterBits
        self.l1Size = l1Size
        self.l1TableOffset = l1TableOffset
        self.refcountTableOffset = refcountTableOffset
        self.refcountTableClusters = refcountTableClusters
        self.backingFile = backingFile
        self.backingFormat = backingFormat
    }

    /// A version 3 header with its extensions and backing file name, as the image's first bytes.
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: QCOW2Header.version3Length)
        bytes.putBigEndian(QCOW2Header.magic, at: 0)
        bytes.putBigEndian(UInt32(3), at: 4)
        bytes.putBigEndian(clusterBits, at: 20)
        bytes.putBigEndian(size, at: 24)
        bytes.putBigEndian(cryptMethod, at: 32)
        bytes.putBigEndian(l1Size, at: 36)
        bytes.putBigEndian(l1TableOffset, at: 40)
        bytes.putBigEndian(refcountTableOffset, at: 48)
        bytes.putBigEndian(refcountTableClusters, at: 56)
        bytes.putBigEndian(incompatibleFeatures, at: 72)
        bytes.putBigEndian(compatibleFeatures, at: 80)
        bytes.putBigEndian(autoclearFeatures, at: 88)
        bytes.putBigEndian(refcountOrder, at: 96)
        bytes.putBigEndian(UInt32(QCOW2Header.version3Length), at: 100)
        if let backingFormat {
            let name = Array(backingFormat.utf8)
            var ext = [UInt8](repeating: 0, count: 8 + (name.count + 7) / 8 * 8)
            ext.putBigEndian(QCOW2Header.extensionBackingFormat, at: 0)
            ext.putBigEndian(UInt32(name.count), at: 4)
            ext.replaceSubrange(8..<8 + name.count, with: name)
            bytes += ext
        }
        bytes += [UInt8](repeating: 0, count: 8)  // end of extensions
        if let backingFile {
            let name = Array(backingFile.utf8)
            bytes.putBigEndian(UInt64(bytes.count), at: 8)
            bytes.putBigEndian(UInt32(name.count), at: 16)
            bytes += name
        }
        return bytes
    }
}
