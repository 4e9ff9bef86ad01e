/// The partitions of a disk, from its MBR or its GUID partition table, as U-Boot's
/// distro boot sees them: numbered from 1, some marked bootable.
struct Partition: Equatable {
    let number: Int
    /// Byte offset and length on the disk.
    let start: UInt64
    let length: UInt64
    /// The MBR's active flag, or the GPT's "legacy BIOS bootable" attribute (bit 2),
    /// which is what U-Boot's `part list -bootable` and extlinux look for.
    let bootable: Bool
}

enum PartitionTable {
    static let sectorSize: UInt64 = 512
    private static let mbrSignature: UInt16 = 0xAA55
    private static let gptProtectiveType: UInt8 = 0xEE
    /// Extended partitions hold logical ones in a chain this reader does not follow.
    private static let extendedTypes: Set<UInt8> = [0x05, 0x0F, 0x85]

    /// The disk's partitions; nil when sector 0 holds no partition table (a file system
    /// made on the whole disk, for one).
    static func partitions(of disk: DiskRegion) throws(BootLoaderError) -> [Partition]? {
        guard disk.length >= sectorSize else { return nil }
        let mbr = DiskRecord(bytes: try disk.read(at: 0, count: Int(sectorSize)), structure: "MBR", disk: disk.name)
        guard try mbr.u16(510) == mbrSignature else { return nil }
        var entries: [(status: UInt8, type: UInt8, first: UInt64, sectors: UInt64)] = []
        for i in 0..<4 {
            let entry = 446 + 16 * i
            entries.append((try mbr.u8(entry), try mbr.u8(entry + 4), UInt64(try mbr.u32(entry + 8)), UInt64(try mbr.u32(entry + 12))))
        }
        // A boot sector of a file system (FAT's) also ends in 0x55AA; a partition
        // table's status bytes are 0x00 or 0x80 only.
        guard entries.allSatisfy({ $0.status == 0 || $0.status == 0x80 }) else { return nil }
        if entries.contains(where: { $0.type == gptProtectiveType }) {
            return try guidPartitions(of: disk)
        }
        var partitions: [Partition] = []
        for (i, entry) in entries.enumerated() where entry.type != 0 && entry.sectors != 0 && !extendedTypes.contains(entry.type) {
            let region = try disk.subregion(at: entry.first * sectorSize, length: entry.sectors * sectorSize)
            partitions.append(Partition(number: i + 1, start: region.start, length: region.length, bootable: entry.status == 0x80))
        }
        return partitions
    }

    /// UEFI spec 5.3: the header at LBA 1 names the array of partition entries.
    private static func guidPartitions(of disk: DiskRegion) throws(BootLoaderError) -> [Partition] {
        let header = DiskRecord(bytes: try disk.read(at: sectorSize, count: 92), structure: "GPT header", disk: disk.name)
        guard header.bytes.prefix(8).elementsEqual("EFI PART".utf8) else {
            throw header.corrupt("a protective MBR but no 'EFI PART' signature at LBA 1")
        }
        let entriesLBA = try header.u64(72)
        let count = try header.u32(80)
        let entrySize = try header.u32(84)
        guard (1...1024).contains(count), (128...4096).contains(entrySize), entrySize % 8 == 0 else {
            throw header.corrupt("\(count) partition entries of \(entrySize) bytes")
        }
        guard entriesLBA < disk.length / sectorSize else {
            throw header.corrupt("partition entries at LBA \(entriesLBA), past the disk's end")
        }
        let table = DiskRecord(bytes: try disk.read(at: entriesLBA * sectorSize, count: Int(count * entrySize)),
                               structure: "GPT partition entries", disk: disk.name)
        var partitions: [Partition] = []
        for i in 0..<Int(count) {
            let entry = i * Int(entrySize)
            guard try table.slice(entry, count: 16).contains(where: { $0 != 0 }) else { continue }  // unused
            let first = try table.u64(entry + 32), last = try table.u64(entry + 40)
            guard first <= last, last < disk.length / sectorSize else {
                throw table.corrupt("partition \(i + 1) spans LBA \(first)-\(last) on a \(disk.length / sectorSize)-sector disk")
            }
            let attributes = try table.u64(entry + 48)
            partitions.append(Partition(number: i + 1, start: first * sectorSize, length: (last - first + 1) * sectorSize,
                                        bootable: attributes & 0b100 != 0))
        }
        return partitions
    }
}
