import IsolaHost

/// Guest RAM as a snapshot holds it: only the pages that are not all zeros, in runs,
/// and restored by mapping the snapshot file's pages copy-on-write, not by reading them.
extension GuestRAM {
    /// The runs of pages that hold anything but zeros. Zero gaps of up to `joiningGaps`
    /// pages are saved with their neighbours: a few zero pages cost less on disk than
    /// one more mapping costs at restore (and the kernel limits how many a process has).
    public func nonZeroRuns(joiningGaps: UInt64 = 16) -> [PageRun] {
        var runs: [PageRun] = []
        let pages = size / PageRun.pageSize
        var page: UInt64 = 0
        while page < pages {
            // SAFETY: page < pages, so the 4 KiB at this offset lie inside RAM.
            if HostChecksum.isZero(host + Int(page * PageRun.pageSize), count: Int(PageRun.pageSize)) {
                page += 1
                continue
            }
            if var last = runs.last, page - (last.firstPage + last.pageCount) <= joiningGaps {
                last.pageCount = page + 1 - last.firstPage
                runs[runs.count - 1] = last
            } else {
                runs.append(PageRun(firstPage: page, pageCount: 1))
            }
            page += 1
        }
        for i in runs.indices { runs[i].checksum = checksum(of: runs[i]) }
        return runs
    }

    /// The checksum of a run's bytes as RAM holds them now.
    public func checksum(of run: PageRun) -> UInt64 {
        // SAFETY: callers pass runs checked to lie inside RAM.
        HostChecksum.checksum64(UnsafeRawBufferPointer(start: host + Int(run.byteOffset), count: Int(run.byteCount)))
    }

    /// Maps each run's pages from `file`, packed in run order from `dataOffset`,
    /// over this (fresh, all-zero) RAM. The runs must already be checked to lie in RAM.
    public func mapSnapshotPages(from file: HostBlockFile, runs: [PageRun], dataOffset: UInt64) throws {
        var fileOffset = dataOffset
        for run in runs {
            precondition(run.byteOffset + run.byteCount <= size, "a run outside RAM reached the mapper")
            try mapping.mapPrivately(file, fileOffset: fileOffset, at: Int(run.byteOffset), length: Int(run.byteCount))
            fileOffset += run.byteCount
        }
    }
}
