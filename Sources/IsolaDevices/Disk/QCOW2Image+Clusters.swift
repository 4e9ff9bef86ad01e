/// How a guest cluster is stored, from its L1 and L2 entries.
enum QCOW2Cluster: Equatable {
    /// Never written: reads come from the backing file, or zeros without one.
    case unallocated
    /// Reads as zeros; `host` is nonzero when the space stays allocated for a later write.
    case zero(host: UInt64)
    case data(host: UInt64)
    case compressed
}

extension QCOW2Image {
    var l2Entries: UInt64 { 1 << l2Bits }

    func l1Index(_ offset: UInt64) -> Int { Int(offset >> (UInt64(header.clusterBits) + l2Bits)) }
    func l2Index(_ offset: UInt64) -> Int { Int((offset >> UInt64(header.clusterBits)) & (l2Entries - 1)) }

    /// The L2 table at a host offset, from the cache or the file; nil if it cannot be read.
    func l2Table(at offset: UInt64) -> [UInt64]? {
        if let table = l2Cache[offset] { return table }
        guard offset % clusterSize == 0,
              let table = try? QCOW2Image.readTable(file, at: offset, entries: Int(l2Entries), path: path, name: "L2") else { return nil }
        if l2Cache.count >= QCOW2Image.cacheLimit { l2Cache.removeAll(keepingCapacity: true) }
        l2Cache[offset] = table
        return table
    }

    /// Maps a guest offset to its cluster; nil when the metadata on the way is unreadable.
    func cluster(at offset: UInt64) -> QCOW2Cluster? {
        let i = l1Index(offset)
        guard i < l1.count else { return .unallocated }
        let l2Offset = l1[i] & QCOW2Image.offsetMask
        guard l2Offset != 0 else { return .unallocated }
        guard let table = l2Table(at: l2Offset) else { return nil }
        let entry = table[l2Index(offset)]
        if entry & QCOW2Image.compressedFlag != 0 { return .compressed }
        let host = entry & QCOW2Image.offsetMask
        guard host % clusterSize == 0 else { return nil }
        if header.version >= 3 && entry & QCOW2Image.zeroFlag != 0 { return .zero(host: host) }
        return host == 0 ? .unallocated : .data(host: host)
    }

    /// Reads any guest range, cluster by cluster, merging clusters that lie next to each other in the file.
    func readClusters(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        var done = 0
        var run: (host: UInt64, start: Int, length: Int)?
        func flushRun() -> Bool {
            guard let r = run else { return true }
            run = nil
            return file.read(into: buffer + r.start, count: r.length, at: r.host)
        }
        while done < count {
            let at = offset + UInt64(done)
            let within = at % clusterSize
            let n = min(count - done, Int(clusterSize - within))
            switch cluster(at: at) {
            case let .data(host)?:
                if let r = run, r.host + UInt64(r.length) == host + within {
                    run = (r.host, r.start, r.length + n)
                } else {
                    guard flushRun() else { return false }
                    run = (host + within, done, n)
                }
            case .zero?:
                guard flushRun() else { return false }
                // SAFETY: the caller's buffer holds `count` bytes, and n <= count - done.
                (buffer + done).initializeMemory(as: UInt8.self, repeating: 0, count: n)
            case .unallocated?:
                guard flushRun(), readBacking(into: buffer + done, count: n, at: at) else { return false }
            case .compressed?, nil:
                return false
            }
            done += n
        }
        return flushRun()
    }

    /// The backing file's bytes, and zeros past its end (a base may be smaller than its overlay).
    func readBacking(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        var available = 0
        if let backing, offset < backing.byteCount {
            available = Int(min(UInt64(count), backing.byteCount - offset))
            guard backing.read(into: buffer, count: available, at: offset) else { return false }
        }
        // SAFETY: available <= count: the zeros fill the rest of the caller's `count` bytes.
        (buffer + available).initializeMemory(as: UInt8.self, repeating: 0, count: count - available)
        return true
    }

    /// Writes within one cluster: in place when the cluster is this image's own,
    /// otherwise into a new cluster filled first with what the guest saw there.
    func writeWithinCluster(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        let clusterStart = offset / clusterSize * clusterSize
        guard let current = cluster(at: offset) else { return false }
        if case let .data(host) = current {
            return file.write(from: buffer, count: count, at: host + offset - clusterStart)
        }
        // Copy on write: the whole cluster as the guest sees it now, with the new bytes over it.
        var contents = [UInt8](repeating: 0, count: Int(clusterSize))
        // SAFETY: callers (`write`, `writeZeros`) keep [offset, offset + count) inside one cluster,
        // so the copy at offset - clusterStart stays inside `contents`.
        let ok = contents.withUnsafeMutableBytes { bytes -> Bool in
            // SAFETY: `contents` is one cluster (512 B to 2 MiB, never empty), alive for the closure.
            guard let base = bytes.baseAddress else { return false }
            if count < Int(clusterSize), case .unallocated = current {
                guard readBacking(into: base, count: Int(clusterSize), at: clusterStart) else { return false }
            } else if case .compressed = current {
                return false
            }
            (base + Int(offset - clusterStart)).copyMemory(from: buffer, byteCount: count)
            return true
        }
        guard ok, let (l2Offset, index) = l2Slot(for: offset, allocating: true) else { return false }
        var host: UInt64
        if case let .zero(preallocated) = current, preallocated != 0 {
            host = preallocated
        } else {
            guard let fresh = allocateCluster() else { return false }
            host = fresh
        }
        guard file.write(contents, at: host) else { return false }
        return setL2Entry(host | QCOW2Image.copiedFlag, table: l2Offset, index: index)
    }

    /// Makes a whole cluster read as zeros: a v3 zero cluster whose host space is punched
    /// out of the file, or, in v2, an unallocated cluster where no backing file shows through.
    func zeroCluster(at offset: UInt64) -> Bool {
        guard let current = cluster(at: offset) else { return false }
        if case .unallocated = current, backing == nil { return true }
        if case .zero = current { return true }
        guard header.version >= 3 else { return writeZeros(count: Int(clusterSize), at: offset) }
        guard let (l2Offset, index) = l2Slot(for: offset, allocating: true) else { return false }
        var entry = QCOW2Image.zeroFlag
        if case let .data(host) = current {
            entry |= host | QCOW2Image.copiedFlag
            guard setL2Entry(entry, table: l2Offset, index: index) else { return false }
            return file.discard(offset: host, length: clusterSize)
        }
        return setL2Entry(entry, table: l2Offset, index: index)
    }

    func writeZeros(count: Int, at offset: UInt64) -> Bool {
        let zeros = [UInt8](repeating: 0, count: count)
        // SAFETY: `zeros` is exactly `count` bytes, the length passed on with its base.
        return zeros.withUnsafeBytes { bytes in
            // SAFETY: the buffer lives for the closure; an empty one writes nothing.
            guard let base = bytes.baseAddress else { return true }
            return writeWithinCluster(from: base, count: count, at: offset)
        }
    }

    /// The L2 table and index for a guest offset, creating the table when asked.
    func l2Slot(for offset: UInt64, allocating: Bool) -> (table: UInt64, index: Int)? {
        let i = l1Index(offset)
        guard i < l1.count else { return nil }
        var l2Offset = l1[i] & QCOW2Image.offsetMask
        if l2Offset == 0 {
            guard allocating, let fresh = allocateCluster() else { return nil }
            let zeros = [UInt8](repeating: 0, count: Int(clusterSize))
            guard file.write(zeros, at: fresh),
                  writeEntry(fresh | QCOW2Image.copiedFlag, at: header.l1TableOffset + UInt64(i) * 8) else { return nil }
            l1[i] = fresh | QCOW2Image.copiedFlag
            l2Cache[fresh] = [UInt64](repeating: 0, count: Int(l2Entries))
            l2Offset = fresh
        }
        return (l2Offset, l2Index(offset))
    }

    func setL2Entry(_ entry: UInt64, table: UInt64, index: Int) -> Bool {
        guard writeEntry(entry, at: table + UInt64(index) * 8) else { return false }
        l2Cache[table]?[index] = entry
        return true
    }

    /// Writes one big-endian table entry to the file.
    func writeEntry(_ entry: UInt64, at offset: UInt64) -> Bool {
        var big = entry.bigEndian
        // SAFETY: the write reads `big`'s own 8 bytes inside the closure.
        return withUnsafeBytes(of: &big) { file.write(from: $0, at: offset) }
    }
}
