/// A read-only reader of ext2, ext3 and ext4 file systems: enough to find a boot
/// loader's configuration and read the kernel and initrd it names, as U-Boot's ext4
/// driver does. It never writes and does not replay the journal (a file changed in
/// the last seconds before a crash may read as it was); everything it reads is
/// checked, because the guest wrote it.
final class Ext4FileSystem {
    static let rootInode: UInt64 = 2
    /// Linux's limit on symlinks followed in one lookup (MAXSYMLINKS).
    static let maximumSymbolicLinks = 40
    /// A directory larger than this is refused rather than read into memory.
    static let maximumDirectorySize: UInt64 = 16 << 20
    /// Linux's PATH_MAX: a longer symlink target is refused.
    static let maximumLinkTarget: UInt64 = 4096
    /// Bounds on one lookup, so that a directory that names itself and symlinks that
    /// multiply components cannot make a boot take hours: path components walked, and
    /// directory bytes read (each directory is read once per lookup).
    static let maximumComponents = 4096
    static let maximumDirectoryBytesPerLookup: UInt64 = 64 << 20

    let region: DiskRegion
    let superblock: Ext4Superblock

    var blockSize: UInt64 { superblock.blockSize }
    var blockCount: UInt64 { superblock.blockCount }

    init(region: DiskRegion) throws(BootLoaderError) {
        self.region = region
        let bytes = try region.read(at: Ext4Superblock.offset, count: Ext4Superblock.size)
        superblock = try Ext4Superblock(DiskRecord(bytes: bytes, structure: "ext4 superblock", disk: region.name))
        guard superblock.blockCount <= region.length / superblock.blockSize else {
            throw .corrupt(disk: region.name, structure: "ext4 superblock",
                           reason: "\(superblock.blockCount) blocks of \(superblock.blockSize) bytes overrun the \(region.length)-byte partition")
        }
    }

    /// Whether the region holds an ext2/3/4 file system at all (its magic).
    static func isPresent(in region: DiskRegion) -> Bool {
        guard let bytes = try? region.read(at: Ext4Superblock.offset + 0x38, count: 2) else { return false }
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8 == Ext4Superblock.magic
    }

    func readBlock(_ block: UInt64) throws(BootLoaderError) -> [UInt8] {
        guard block < blockCount else {
            throw .corrupt(disk: region.name, structure: "ext4 file system", reason: "block \(block) is past its \(blockCount) blocks")
        }
        return try region.read(at: block * blockSize, count: Int(blockSize))
    }

    // MARK: Inodes

    /// The block holding group `group`'s descriptor, which says where its inode table is.
    private func descriptorLocation(group: UInt64) -> (block: UInt64, offset: UInt64) {
        let perBlock = blockSize / superblock.groupDescriptorSize
        let descriptorBlock = group / perBlock
        let offset = (group % perBlock) * superblock.groupDescriptorSize
        if superblock.incompatible.contains(.metaBlockGroups), descriptorBlock >= superblock.firstMetaBlockGroup {
            // META_BG: each meta group's descriptors sit in its first group, after any superblock copy.
            let first = descriptorBlock * perBlock
            let groupStart = superblock.firstDataBlock + first * superblock.blocksPerGroup
            return (groupStart + (superblock.hasSuperblock(group: first) ? 1 : 0), offset)
        }
        return (superblock.firstDataBlock + 1 + descriptorBlock, offset)
    }

    func inode(_ number: UInt64) throws(BootLoaderError) -> Ext4Inode {
        guard number >= 1, number <= superblock.inodeCount else {
            throw .corrupt(disk: region.name, structure: "ext4 directory entry", reason: "inode \(number) of \(superblock.inodeCount)")
        }
        let group = (number - 1) / superblock.inodesPerGroup
        guard group < superblock.groupCount else {
            throw .corrupt(disk: region.name, structure: "ext4 inode \(number)", reason: "in group \(group) of \(superblock.groupCount)")
        }
        let location = descriptorLocation(group: group)
        let descriptor = DiskRecord(bytes: try readBlock(location.block), structure: "ext4 group descriptor \(group)", disk: region.name)
        let at = Int(location.offset)
        var table = UInt64(try descriptor.u32(at + 0x08))
        if superblock.groupDescriptorSize >= 64 { table |= UInt64(try descriptor.u32(at + 0x28)) << 32 }
        guard table < blockCount else {
            throw descriptor.corrupt("inode table at block \(table), past the file system's \(blockCount) blocks")
        }
        let byteInTable = ((number - 1) % superblock.inodesPerGroup) * superblock.inodeSize
        let block = table + byteInTable / blockSize
        let bytes = try readBlock(block)
        let start = Int(byteInTable % blockSize)
        let record = DiskRecord(bytes: Array(bytes[start..<(start + Int(superblock.inodeSize))]), structure: "ext4 inode \(number)", disk: region.name)
        return try Ext4Inode(number: number, record: record, largeDirectories: superblock.incompatible.contains(.largeDirectories))
    }

    // MARK: File data

    /// The whole content of `inode`, refused when larger than `limit` bytes.
    func contents(of inode: Ext4Inode, path: String, limit: UInt64) throws(BootLoaderError) -> [UInt8] {
        guard inode.size <= limit else { throw .tooLarge(disk: region.name, path: path, size: inode.size, limit: limit) }
        guard !inode.isEncrypted else { throw .unsupported(disk: region.name, feature: "reading the encrypted file \(path)") }
        if inode.hasInlineData || inode.isFastSymbolicLink {
            // Inline data beyond i_block's 60 bytes continues in an extended attribute.
            guard inode.size <= UInt64(inode.blockArea.count) else {
                throw .unsupported(disk: region.name, feature: "inline data of \(inode.size) bytes (\(path))")
            }
            return Array(inode.blockArea.prefix(Int(inode.size)))
        }
        let blocks = (inode.size + blockSize - 1) / blockSize
        let runs = try blockRuns(of: inode, blocks: blocks)
        var bytes = [UInt8](repeating: 0, count: Int(inode.size))
        // withUnsafeMutableBytes rethrows untyped; the error is carried out by hand.
        // SAFETY: `buffer` is `bytes`' own storage, the file's size, used only inside the closure.
        let failure: BootLoaderError? = bytes.withUnsafeMutableBytes { buffer in
            do throws(BootLoaderError) {
                try read(runs, of: inode, into: buffer)
            } catch {
                return error
            }
            return nil
        }
        if let failure { throw failure }
        return bytes
    }

    /// Copies each stored run into its place in the file's bytes; holes stay zero.
    private func read(_ runs: [BlockRun], of inode: Ext4Inode, into buffer: UnsafeMutableRawBufferPointer) throws(BootLoaderError) {
        for run in runs {
            guard let physical = run.physical else { continue }
            guard physical < blockCount, run.count <= blockCount - physical else {
                throw .corrupt(disk: region.name, structure: "block map of inode \(inode.number)",
                               reason: "blocks \(physical)+\(run.count) lie outside the \(blockCount)-block file system")
            }
            // Runs start below the file's length in blocks, so start < end <= buffer.count.
            let start = Int(run.logical * blockSize)
            let end = min(buffer.count, Int((run.logical + run.count) * blockSize))
            // SAFETY: start..<end lies inside `buffer`, the caller's array of the file's size.
            try region.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<end]), at: physical * blockSize)
        }
    }

    // MARK: Directories and paths

    /// A directory's entries (name and inode), "." and ".." included.
    func entries(of directory: Ext4Inode, path: String) throws(BootLoaderError) -> [(name: [UInt8], inode: UInt64)] {
        guard !directory.hasInlineData else { throw .unsupported(disk: region.name, feature: "a directory with inline data (\(path))") }
        let bytes = try contents(of: directory, path: path, limit: Ext4FileSystem.maximumDirectorySize)
        let record = DiskRecord(bytes: bytes, structure: "ext4 directory \(path)", disk: region.name)
        let typed = superblock.incompatible.contains(.fileType)
        var entries: [(name: [UInt8], inode: UInt64)] = []
        var offset = 0
        // Entries never cross a block; a hashed directory's index blocks read as one empty entry each.
        while offset + 8 <= bytes.count {
            let inode = UInt64(try record.u32(offset))
            let length = Int(try record.u16(offset + 4))
            let nameLength = typed ? Int(try record.u8(offset + 6)) : Int(try record.u16(offset + 6))
            let blockEnd = (offset / Int(blockSize) + 1) * Int(blockSize)
            guard length >= 8, length % 4 == 0, offset + length <= min(blockEnd, bytes.count), 8 + nameLength <= length else {
                throw record.corrupt("an entry at offset \(offset) of length \(length) with a \(nameLength)-byte name")
            }
            if inode != 0 { entries.append((Array(try record.slice(offset + 8, count: nameLength)), inode)) }
            offset += length
        }
        return entries
    }

    /// The inode that `path` names, following symlinks as Linux would inside this file
    /// system (an absolute target starts again at its root).
    func lookup(_ path: String) throws(BootLoaderError) -> Ext4Inode {
        var pending = Array(path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed())
        var trail = [try inode(Ext4FileSystem.rootInode)]
        var followed = 0, walked = 0
        var listings: [UInt64: [(name: [UInt8], inode: UInt64)]] = [:]
        var directoryBytes: UInt64 = 0
        func fail(_ reason: String) -> BootLoaderError { .corrupt(disk: region.name, structure: "path \(path)", reason: reason) }
        while let component = pending.popLast() {
            walked += 1
            guard walked <= Ext4FileSystem.maximumComponents else { throw fail("more than \(Ext4FileSystem.maximumComponents) components to walk") }
            guard let directory = trail.last else { break }
            guard directory.kind == .directory else { throw .notFound(disk: region.name, path: path) }
            if component == "." { continue }
            if component == ".." { if trail.count > 1 { trail.removeLast() }; continue }
            if listings[directory.number] == nil {
                directoryBytes += directory.size
                guard directoryBytes <= Ext4FileSystem.maximumDirectoryBytesPerLookup else {
                    throw fail("more than \(Ext4FileSystem.maximumDirectoryBytesPerLookup) bytes of directories to read")
                }
                listings[directory.number] = try entries(of: directory, path: path)
            }
            guard let entry = listings[directory.number]?.first(where: { $0.name.elementsEqual(component.utf8) }) else {
                throw .notFound(disk: region.name, path: path)
            }
            let next = try inode(entry.inode)
            guard next.kind == .symbolicLink else { trail.append(next); continue }
            followed += 1
            guard followed <= Ext4FileSystem.maximumSymbolicLinks else {
                throw .corrupt(disk: region.name, structure: "symbolic links", reason: "more than \(Ext4FileSystem.maximumSymbolicLinks) followed looking up \(path)")
            }
            let target = String(decoding: try contents(of: next, path: path, limit: Ext4FileSystem.maximumLinkTarget), as: UTF8.self)
            if target.hasPrefix("/") { trail = [trail[0]] }
            pending.append(contentsOf: target.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed())
        }
        guard let found = trail.last else { throw .notFound(disk: region.name, path: path) }
        return found
    }

    /// The content of the regular file at `path`.
    func readFile(_ path: String, limit: UInt64) throws(BootLoaderError) -> [UInt8] {
        let found = try lookup(path)
        guard found.kind == .regular else { throw .notFound(disk: region.name, path: path + " (as a regular file)") }
        return try contents(of: found, path: path, limit: limit)
    }
}
