/// Where a file's blocks are: an extent tree (ext4) or direct and indirect block
/// pointers (ext2/3). Both are walked only as far as the file's size reaches, with a
/// budget of metadata blocks, so a guest's disk cannot make the walk loop or grow
/// without bound.
extension Ext4FileSystem {
    static let extentMagic: UInt16 = 0xF30A
    /// The kernel's limit: an extent tree is at most five levels deep.
    static let maximumExtentDepth = 5
    /// Unwritten extents have this added to their length; they read as zeros.
    static let unwrittenExtentLength: UInt64 = 32768

    /// The runs that hold the file's first `blocks` blocks, in logical order.
    func blockRuns(of inode: Ext4Inode, blocks: UInt64) throws(BootLoaderError) -> [BlockRun] {
        var walk = BlockWalk(blocks: blocks, metadataBudget: max(1024, blocks / 64 + 64))
        if inode.usesExtents {
            let root = DiskRecord(bytes: inode.blockArea, structure: "extent tree of inode \(inode.number)", disk: region.name)
            try extents(in: root, expectedDepth: nil, walk: &walk)
        } else {
            let pointers = DiskRecord(bytes: inode.blockArea, structure: "block map of inode \(inode.number)", disk: region.name)
            for i in 0..<12 {
                try walk.add(physical: UInt64(try pointers.u32(4 * i)), at: UInt64(i))
            }
            var logical: UInt64 = 12
            for level in 1...3 {
                try indirect(UInt64(try pointers.u32(4 * (11 + level))), level: level, logical: &logical, walk: &walk)
            }
        }
        return walk.runs
    }

    /// One node of an extent tree: a header, then index entries (pointing at lower
    /// nodes) or leaf extents.
    private func extents(in node: DiskRecord, expectedDepth: Int?, walk: inout BlockWalk) throws(BootLoaderError) {
        guard try node.u16(0) == Ext4FileSystem.extentMagic else { throw node.corrupt("no extent header magic 0xF30A") }
        let entries = Int(try node.u16(2))
        let depth = Int(try node.u16(6))
        guard depth <= Ext4FileSystem.maximumExtentDepth, expectedDepth.map({ $0 == depth }) ?? true else {
            throw node.corrupt("extent node of depth \(depth) where \(expectedDepth.map(String.init) ?? "at most 5") belongs")
        }
        guard 12 + 12 * entries <= node.count else { throw node.corrupt("\(entries) extent entries in \(node.count) bytes") }
        for i in 0..<entries {
            let entry = 12 + 12 * i
            let logical = UInt64(try node.u32(entry))
            guard logical < walk.blocks else { break }  // entries are sorted; the rest lie past the file's end
            if depth == 0 {
                var length = UInt64(try node.u16(entry + 4))
                let unwritten = length > Ext4FileSystem.unwrittenExtentLength
                if unwritten { length -= Ext4FileSystem.unwrittenExtentLength }
                let physical = UInt64(try node.u16(entry + 6)) << 32 | UInt64(try node.u32(entry + 8))
                try walk.add(run: BlockRun(logical: logical, physical: unwritten ? nil : physical, count: length), limit: blockCount, node: node)
            } else {
                let child = UInt64(try node.u32(entry + 4)) | UInt64(try node.u16(entry + 8)) << 32
                try walk.spendMetadata(node: node)
                let block = DiskRecord(bytes: try readBlock(child), structure: "extent node at block \(child)", disk: region.name)
                try extents(in: block, expectedDepth: depth - 1, walk: &walk)
            }
        }
    }

    /// An indirect block of `level` (1 single, 2 double, 3 triple) whose pointers cover
    /// the file from `logical` on.
    private func indirect(_ block: UInt64, level: Int, logical: inout UInt64, walk: inout BlockWalk) throws(BootLoaderError) {
        let perBlock = blockSize / 4
        var span: UInt64 = 1
        for _ in 0..<level { span = span.multipliedReportingOverflow(by: perBlock).partialValue }
        guard logical < walk.blocks else { return }
        guard block != 0 else { logical += span; return }  // a hole
        let record = DiskRecord(bytes: try readBlock(block), structure: "indirect block \(block)", disk: region.name)
        try walk.spendMetadata(node: record)
        for i in 0..<Int(perBlock) {
            guard logical < walk.blocks else { return }
            let pointer = UInt64(try record.u32(4 * i))
            if level == 1 {
                try walk.add(physical: pointer, at: logical)
                logical += 1
            } else {
                try indirect(pointer, level: level - 1, logical: &logical, walk: &walk)
            }
        }
    }
}

/// The runs found so far, merged where consecutive, and the walk's limits.
struct BlockWalk {
    /// The file's length in blocks: nothing past it is read.
    let blocks: UInt64
    var metadataBudget: UInt64
    var runs: [BlockRun] = []

    init(blocks: UInt64, metadataBudget: UInt64) {
        (self.blocks, self.metadataBudget) = (blocks, metadataBudget)
    }

    mutating func spendMetadata(node: DiskRecord) throws(BootLoaderError) {
        guard metadataBudget > 0 else { throw node.corrupt("more index blocks than a file of \(blocks) blocks needs") }
        metadataBudget -= 1
    }

    /// One block pointer of a block map (0: a hole).
    mutating func add(physical: UInt64, at logical: UInt64) throws(BootLoaderError) {
        guard logical < blocks, physical != 0 else { return }
        if let last = runs.last, let start = last.physical, last.logical + last.count == logical, start + last.count == physical {
            runs[runs.count - 1] = BlockRun(logical: last.logical, physical: start, count: last.count + 1)
        } else {
            runs.append(BlockRun(logical: logical, physical: physical, count: 1))
        }
    }

    /// One extent, cut at the file's end, checked to lie inside the file system and
    /// after the extents before it.
    mutating func add(run: BlockRun, limit blockCount: UInt64, node: DiskRecord) throws(BootLoaderError) {
        guard run.count > 0 else { return }
        if let last = runs.last, run.logical < last.logical + last.count {
            throw node.corrupt("extent at logical block \(run.logical) overlaps the one before it")
        }
        let count = min(run.count, blocks - run.logical)
        if let physical = run.physical, physical >= blockCount || count > blockCount - physical {
            throw node.corrupt("extent of \(run.count) blocks at block \(physical) lies outside the \(blockCount)-block file system")
        }
        runs.append(BlockRun(logical: run.logical, physical: run.physical, count: count))
    }
}
