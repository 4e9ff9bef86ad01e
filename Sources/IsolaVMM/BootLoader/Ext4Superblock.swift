/// The fields of an ext2/3/4 superblock that reading files needs (the kernel's
/// Documentation/filesystems/ext4/super.rst), checked so that later arithmetic on
/// them cannot overflow or divide by zero.
struct Ext4Superblock {
    static let offset: UInt64 = 1024
    static let size = 1024
    static let magic: UInt16 = 0xEF53

    /// Incompatible features: a reader that ignores one would misread the disk.
    struct Incompatible: OptionSet {
        let rawValue: UInt32
        static let compression = Incompatible(rawValue: 0x1)
        static let fileType = Incompatible(rawValue: 0x2)
        static let needsRecovery = Incompatible(rawValue: 0x4)
        static let journalDevice = Incompatible(rawValue: 0x8)
        static let metaBlockGroups = Incompatible(rawValue: 0x10)
        static let extents = Incompatible(rawValue: 0x40)
        static let sixtyFourBit = Incompatible(rawValue: 0x80)
        static let multipleMountProtection = Incompatible(rawValue: 0x100)
        static let flexibleBlockGroups = Incompatible(rawValue: 0x200)
        static let extendedAttributeInodes = Incompatible(rawValue: 0x400)
        static let directoryData = Incompatible(rawValue: 0x1000)
        static let checksumSeed = Incompatible(rawValue: 0x2000)
        static let largeDirectories = Incompatible(rawValue: 0x4000)
        static let inlineData = Incompatible(rawValue: 0x8000)
        static let encryption = Incompatible(rawValue: 0x10000)
        static let caseFolding = Incompatible(rawValue: 0x20000)

        /// What this reader handles: the rest change how files or directories are laid out.
        static let understood: Incompatible = [
            .fileType, .needsRecovery, .metaBlockGroups, .extents, .sixtyFourBit, .multipleMountProtection,
            .flexibleBlockGroups, .extendedAttributeInodes, .checksumSeed, .largeDirectories, .inlineData,
            .encryption, .caseFolding,
        ]
    }

    let blockSize: UInt64
    let blockCount: UInt64
    let firstDataBlock: UInt64
    let blocksPerGroup: UInt64
    let inodesPerGroup: UInt64
    let inodeCount: UInt64
    let inodeSize: UInt64
    let groupDescriptorSize: UInt64
    let groupCount: UInt64
    let incompatible: Incompatible
    /// RO_COMPAT_SPARSE_SUPER: superblock backups only in groups 0, 1 and powers of 3, 5, 7.
    let sparseSuperblocks: Bool
    let firstMetaBlockGroup: UInt64

    init(_ record: DiskRecord) throws(BootLoaderError) {
        guard try record.u16(0x38) == Ext4Superblock.magic else {
            throw record.corrupt("no ext2/3/4 magic 0xEF53")
        }
        let logBlockSize = try record.u32(0x18)
        guard logBlockSize <= 6 else { throw record.corrupt("block size 2^(10+\(logBlockSize))") }
        blockSize = 1024 << UInt64(logBlockSize)
        incompatible = Incompatible(rawValue: try record.u32(0x60))
        let unknown = incompatible.subtracting(.understood)
        guard unknown.isEmpty else {
            let names: [(Incompatible, String)] = [(.compression, "compression"), (.journalDevice, "an external journal device"),
                                                   (.directoryData, "directory data")]
            let named = names.filter { unknown.contains($0.0) }.map(\.1)
            throw .unsupported(disk: record.disk, feature: "the ext4 feature \(named.first ?? "0x" + String(unknown.rawValue, radix: 16))")
        }
        let sixtyFour = incompatible.contains(.sixtyFourBit)
        blockCount = UInt64(try record.u32(0x04)) | (sixtyFour ? UInt64(try record.u32(0x150)) << 32 : 0)
        firstDataBlock = UInt64(try record.u32(0x14))
        blocksPerGroup = UInt64(try record.u32(0x20))
        inodesPerGroup = UInt64(try record.u32(0x28))
        inodeCount = UInt64(try record.u32(0x00))
        let revision = try record.u32(0x4C)
        inodeSize = revision == 0 ? 128 : UInt64(try record.u16(0x58))
        groupDescriptorSize = sixtyFour ? UInt64(try record.u16(0xFE)) : 32
        sparseSuperblocks = try record.u32(0x64) & 0x1 != 0
        firstMetaBlockGroup = UInt64(try record.u32(0x104))
        guard firstDataBlock < blockCount, blocksPerGroup > 0, blocksPerGroup <= 8 * blockSize else {
            throw record.corrupt("\(blockCount) blocks from block \(firstDataBlock) in groups of \(blocksPerGroup)")
        }
        guard inodesPerGroup > 0, inodesPerGroup <= 8 * blockSize, inodeCount > 0 else {
            throw record.corrupt("\(inodeCount) inodes in groups of \(inodesPerGroup)")
        }
        guard inodeSize >= 128, inodeSize <= blockSize, inodeSize & (inodeSize - 1) == 0 else {
            throw record.corrupt("inode size \(inodeSize)")
        }
        guard groupDescriptorSize >= 32, groupDescriptorSize <= blockSize, groupDescriptorSize & (groupDescriptorSize - 1) == 0,
              !sixtyFour || groupDescriptorSize >= 64 else {
            throw record.corrupt("group descriptor size \(groupDescriptorSize)")
        }
        // Written so that no sum can overflow: blockCount > firstDataBlock was checked above.
        groupCount = (blockCount - firstDataBlock - 1) / blocksPerGroup + 1
    }

    /// Whether block group `group` starts with a superblock copy (and so its
    /// group descriptors after it).
    func hasSuperblock(group: UInt64) -> Bool {
        guard sparseSuperblocks, group > 1 else { return true }
        for base: UInt64 in [3, 5, 7] {
            var power = base
            while power < group { power *= base }
            if power == group { return true }
        }
        return false
    }
}
