/// Cluster allocation and the two-level refcount structure (refcount table -> refcount
/// blocks of 2^refcount_order-bit counts). Isola only appends: a new cluster is the
/// file's end, and a refcount block or a larger refcount table is allocated the same way.
extension QCOW2Image {
    var refcountBits: UInt64 { 1 << UInt64(header.refcountOrder) }
    var refcountsPerBlock: UInt64 { clusterSize * 8 / refcountBits }

    /// A new cluster at the end of the file with a refcount of one; nil on an I/O error.
    func allocateCluster() -> UInt64? {
        let host = fileEnd
        fileEnd += clusterSize
        return setRefcount(of: host, to: 1) ? host : nil
    }

    func refcountBlock(at offset: UInt64) -> [UInt8]? {
        if let block = refcountBlockCache[offset] { return block }
        var block = [UInt8](repeating: 0, count: Int(clusterSize))
        guard offset % clusterSize == 0,
              file.read(into: &block, at: offset) else { return nil }
        if refcountBlockCache.count >= QCOW2Image.cacheLimit { refcountBlockCache.removeAll(keepingCapacity: true) }
        refcountBlockCache[offset] = block
        return block
    }

    /// The refcount of the cluster at a host offset (0 where no refcount block exists).
    func refcount(of host: UInt64) -> UInt64? {
        let index = host / clusterSize
        let blockIndex = Int(index / refcountsPerBlock)
        guard blockIndex < refcountTable.count else { return 0 }
        let blockOffset = refcountTable[blockIndex] & QCOW2Image.offsetMask
        guard blockOffset != 0 else { return 0 }
        guard let block = refcountBlock(at: blockOffset) else { return nil }
        return QCOW2Image.count(in: block, at: index % refcountsPerBlock, bits: refcountBits)
    }

    /// Sets a cluster's refcount, creating its refcount block (and growing the table) as needed.
    func setRefcount(of host: UInt64, to value: UInt64) -> Bool {
        let index = host / clusterSize
        let blockIndex = Int(index / refcountsPerBlock)
        if blockIndex >= refcountTable.count {
            guard growRefcountTable(covering: blockIndex) else { return false }
        }
        var blockOffset = refcountTable[blockIndex] & QCOW2Image.offsetMask
        if blockOffset == 0 {
            blockOffset = fileEnd
            fileEnd += clusterSize
            let zeros = [UInt8](repeating: 0, count: Int(clusterSize))
            guard file.write(zeros, at: blockOffset),
                  writeEntry(blockOffset, at: refcountTableOffset + UInt64(blockIndex) * 8)
            else { return false }
            refcountTable[blockIndex] = blockOffset
            refcountBlockCache[blockOffset] = zeros
            // The new block is itself a cluster with a refcount, counted in this block or the next.
            guard setRefcount(of: blockOffset, to: 1) else { return false }
        }
        guard var block = refcountBlock(at: blockOffset) else { return false }
        let slot = index % refcountsPerBlock
        QCOW2Image.setCount(in: &block, at: slot, bits: refcountBits, to: value)
        refcountBlockCache[blockOffset] = block
        // Write back the 8-byte-aligned word that holds the count.
        let byte = Int(slot * refcountBits / 8) / 8 * 8
        return file.write(block[byte..<byte + 8], at: blockOffset + UInt64(byte))
    }

    /// Moves the refcount table to a larger place at the end of the file, then counts
    /// the new table's clusters and frees the old ones.
    func growRefcountTable(covering blockIndex: Int) -> Bool {
        let perCluster = clusterSize / 8
        var entries = max(UInt64(refcountTable.count) * 2, UInt64(blockIndex) + 1)
        entries = (entries + perCluster - 1) / perCluster * perCluster
        // The table must also cover its own clusters and the refcount blocks that count them.
        while (fileEnd / clusterSize + entries / perCluster + 2) / refcountsPerBlock >= entries { entries += perCluster }
        guard entries * 8 <= QCOW2Image.maxTableBytes else { return false }
        let clusters = entries / perCluster
        let newOffset = fileEnd
        fileEnd += clusters * clusterSize
        var bytes = [UInt8](repeating: 0, count: Int(entries * 8))
        for (i, entry) in refcountTable.enumerated() { bytes.putBigEndian(entry, at: i * 8) }
        var location = [UInt8](repeating: 0, count: 12)
        location.putBigEndian(newOffset, at: 0)
        location.putBigEndian(UInt32(clusters), at: 8)
        guard file.write(bytes, at: newOffset),
              file.write(location, at: 48) else { return false }
        let oldOffset = refcountTableOffset, oldClusters = UInt64(refcountTable.count) / perCluster
        refcountTable += [UInt64](repeating: 0, count: Int(entries) - refcountTable.count)
        refcountTableOffset = newOffset
        for c in 0..<clusters where !setRefcount(of: newOffset + c * clusterSize, to: 1) { return false }
        for c in 0..<oldClusters where !setRefcount(of: oldOffset + c * clusterSize, to: 0) { return false }
        return true
    }

    static func count(in block: [UInt8], at slot: UInt64, bits: UInt64) -> UInt64 {
        if bits >= 8 {
            let bytes = Int(bits / 8), start = Int(slot) * bytes
            return block[start..<start + bytes].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        let bit = slot * bits
        // Sub-byte counts are packed from the least significant bit of each byte.
        return UInt64(block[Int(bit / 8)] >> UInt8(bit % 8)) & ((1 << bits) - 1)
    }

    static func setCount(in block: inout [UInt8], at slot: UInt64, bits: UInt64, to value: UInt64) {
        if bits >= 8 {
            let bytes = Int(bits / 8), start = Int(slot) * bytes
            for i in 0..<bytes { block[start + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(bytes - 1 - i))) }
            return
        }
        let bit = slot * bits, mask = UInt8((1 << bits) - 1) << UInt8(bit % 8)
        block[Int(bit / 8)] = block[Int(bit / 8)] & ~mask | (UInt8(truncatingIfNeeded: value) << UInt8(bit % 8)) & mask
    }
}
