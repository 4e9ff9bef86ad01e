/// One inode of an ext2/3/4 file system: its type, size and where its bytes are.
struct Ext4Inode {
    enum Kind { case regular, directory, symbolicLink, other }

    /// i_flags bits that change how the data is found.
    static let extentsFlag: UInt32 = 0x8_0000
    static let inlineDataFlag: UInt32 = 0x1000_0000
    static let encryptedFlag: UInt32 = 0x800
    /// i_block's 60 bytes: block pointers, an extent tree's root, or a short symlink's target.
    static let blockArea = 0x28..<0x64

    let number: UInt64
    let kind: Kind
    let size: UInt64
    let flags: UInt32
    let blockArea: [UInt8]

    init(number: UInt64, record: DiskRecord, largeDirectories: Bool) throws(BootLoaderError) {
        self.number = number
        let mode = try record.u16(0x00)
        switch mode & 0xF000 {
        case 0x8000: kind = .regular
        case 0x4000: kind = .directory
        case 0xA000: kind = .symbolicLink
        default: kind = .other
        }
        flags = try record.u32(0x20)
        // i_size_high was i_dir_acl for directories until large directories reused it.
        let high = kind == .directory && !largeDirectories ? 0 : UInt64(try record.u32(0x6C))
        size = UInt64(try record.u32(0x04)) | high << 32
        blockArea = Array(try record.slice(Ext4Inode.blockArea.lowerBound, count: Ext4Inode.blockArea.count))
    }

    var usesExtents: Bool { flags & Ext4Inode.extentsFlag != 0 }
    var hasInlineData: Bool { flags & Ext4Inode.inlineDataFlag != 0 }
    var isEncrypted: Bool { flags & Ext4Inode.encryptedFlag != 0 }
    /// A symlink whose target lives in i_block itself (shorter than its 60 bytes).
    var isFastSymbolicLink: Bool { kind == .symbolicLink && !usesExtents && !hasInlineData && size < 60 }
}

/// A run of a file's blocks: `count` blocks from `logical` on, stored from block
/// `physical` on, or zeros when `physical` is nil (a hole or an unwritten extent).
struct BlockRun: Equatable {
    let logical: UInt64
    let physical: UInt64?
    let count: UInt64
}
