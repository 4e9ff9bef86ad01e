import IsolaHost

/// A VM in one file: the configuration, the machine's state (harts, devices, clock)
/// and guest memory, each a section with its own checksum.
///
/// Layout (little-endian): a 4 KiB header page — magic `ISOLASNP`, format version,
/// section count, a table of (kind, offset, length, checksum), and a checksum of the
/// header itself — then the configuration, machine and memory-run sections, then the
/// memory section at a page-aligned offset: the saved pages packed run after run.
/// Zero pages are not stored. Because every run lies page-aligned in the file, a
/// restore maps the pages copy-on-write (`MAP_PRIVATE`) instead of reading them, and
/// many clones of one snapshot share them in the host's page cache.
///
/// The layout is fixed and padding must be zero, so every byte is covered by a check:
/// `open` checks everything but the memory pages; `restoreMemory` maps the pages and
/// verifies each run's checksum before the caller runs anything.
public struct SnapshotFile {
    public static let magic: [UInt8] = Array("ISOLASNP".utf8)
    public static let formatVersion: UInt32 = 1
    static let headerSize: UInt64 = 4096
    static let entrySize = 32
    static let runSize = 24
    /// The largest RAM a board has (RISCVMachine.Configuration.validate).
    static let maximumRAM: UInt64 = 64 << 30

    /// The sections, in the order the file holds them.
    public enum Section: UInt32, CaseIterable, Sendable {
        case configuration = 1, machine = 2, memoryRuns = 3, memory = 4
    }

    public let path: String
    /// The VM's configuration (its bundle's config.json when it was saved).
    public let configuration: [UInt8]
    /// The machine's state, as the machine encoded it.
    public let machineState: [UInt8]
    public let ramSize: UInt64
    public let runs: [PageRun]
    private let memoryOffset: UInt64
    private let file: HostBlockFile

    /// What a save wrote.
    public struct Summary: Sendable {
        public let fileBytes: UInt64
        public let savedPages: UInt64
        public let runCount: Int
    }

    // MARK: Saving

    /// Writes a snapshot of `ram` (which must not change meanwhile: the machine is
    /// paused) to a temporary file beside `path`, syncs it and renames it into place,
    /// so a crash while saving never leaves a broken file under the real name.
    public static func write(to path: String, configuration: [UInt8], machineState: [UInt8], ram: GuestRAM) throws -> Summary {
        let runs = ram.nonZeroRuns()
        var runBytes = SnapshotWriter()
        runBytes.write(ram.size)
        runBytes.write(UInt32(runs.count))
        for run in runs {
            runBytes.write(run.firstPage)
            runBytes.write(run.pageCount)
            runBytes.write(run.checksum)
        }
        let small: [(Section, [UInt8])] = [(.configuration, configuration), (.machine, machineState), (.memoryRuns, runBytes.bytes)]
        var entries: [(Section, UInt64, UInt64, UInt64)] = []
        var offset = headerSize
        for (section, bytes) in small {
            entries.append((section, offset, UInt64(bytes.count), HostChecksum.checksum64(bytes)))
            offset += UInt64(bytes.count)
        }
        let memoryOffset = (offset + PageRun.pageSize - 1) / PageRun.pageSize * PageRun.pageSize
        let memoryLength = runs.reduce(0) { $0 + $1.byteCount }
        entries.append((.memory, memoryOffset, memoryLength, memoryChecksum(runs)))

        var header = SnapshotWriter()
        header.write(magic, lengthPrefixed: false)
        header.write(formatVersion)
        header.write(UInt32(entries.count))
        for (section, offset, length, checksum) in entries {
            header.write(section.rawValue)
            header.write(UInt32(0))
            header.write(offset)
            header.write(length)
            header.write(checksum)
        }
        header.write(HostChecksum.checksum64(header.bytes))

        let temporary = path + ".tmp-\(HostEnvironment.processID)"
        HostFile.remove(temporary)
        let out = try HostBlockFile.create(path: temporary)
        do {
            func put(_ bytes: [UInt8], at offset: UInt64) throws {
                // SAFETY: the write reads b.count bytes of the array inside the closure; an empty one writes nothing.
                let ok = bytes.withUnsafeBytes { b in b.baseAddress.map { out.write(from: $0, count: b.count, at: offset) } ?? true }
                guard ok else { throw HostError.io(operation: "write", path: temporary, errno: HostError.inputOutputError) }
            }
            for ((_, bytes), entry) in zip(small, entries) { try put(bytes, at: entry.1) }
            var at = memoryOffset
            for run in runs {
                // SAFETY: the runs came from this RAM's own pages.
                guard out.write(from: ram.host + Int(run.byteOffset), count: Int(run.byteCount), at: at) else {
                    throw HostError.io(operation: "write", path: temporary, errno: HostError.inputOutputError)
                }
                at += run.byteCount
            }
            try put(header.bytes, at: 0)
            guard out.synchronize() else { throw HostError.io(operation: "fsync", path: temporary, errno: HostError.inputOutputError) }
            try HostFile.move(temporary, to: path)
        } catch {
            HostFile.remove(temporary)
            throw error
        }
        return Summary(fileBytes: memoryOffset + memoryLength, savedPages: memoryLength / PageRun.pageSize, runCount: runs.count)
    }

    /// The memory section's checksum: over the runs' own checksums, in order.
    static func memoryChecksum(_ runs: [PageRun]) -> UInt64 {
        var w = SnapshotWriter()
        for run in runs { w.write(run.checksum) }
        return HostChecksum.checksum64(w.bytes)
    }

    // MARK: Loading

    /// Opens a snapshot and checks its header, its sections' bounds and checksums and
    /// its memory runs; a file that fails any check is refused with the reason.
    public static func open(_ path: String) throws -> SnapshotFile {
        let file = try HostBlockFile(path: path, readOnly: true)
        func refuse(_ reason: String) -> SnapshotError { .invalid(what: path, reason: reason) }
        func read(_ offset: UInt64, _ length: UInt64) throws(SnapshotError) -> [UInt8] {
            guard length <= file.byteCount, offset <= file.byteCount - length else {
                throw refuse("truncated: \(file.byteCount) bytes, a section ends at \(offset &+ length)")
            }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            // SAFETY: the read fills b.count (= length) bytes of the array inside the closure; an empty one reads nothing.
            let ok = bytes.withUnsafeMutableBytes { b in b.baseAddress.map { file.read(into: $0, count: b.count, at: offset) } ?? true }
            guard ok else { throw refuse("cannot read \(length) bytes at \(offset)") }
            return bytes
        }

        guard file.byteCount >= 16 else { throw refuse("truncated: \(file.byteCount) bytes, not an Isola snapshot") }
        var prefix = SnapshotReader(try read(0, 16), what: path)
        guard try prefix.readBytes(count: 8) == magic else { throw refuse("not an Isola snapshot (no ISOLASNP magic)") }
        let version = try prefix.read(UInt32.self)
        guard version == formatVersion else { throw refuse("snapshot format version \(version); this Isola reads \(formatVersion)") }
        let count = Int(try prefix.read(UInt32.self))
        guard count == Section.allCases.count else { throw refuse("\(count) sections; a version-1 snapshot has \(Section.allCases.count)") }
        let headerLength = 16 + count * entrySize + 8
        let headerPage = try read(0, headerSize)
        let headerBytes = Array(headerPage.prefix(headerLength))
        guard headerPage[headerLength...].allSatisfy({ $0 == 0 }) else { throw refuse("bytes after the header's table") }
        var header = SnapshotReader(headerBytes, what: path)
        _ = try header.readBytes(count: 16)
        var entries: [Section: (offset: UInt64, length: UInt64, checksum: UInt64)] = [:]
        for expected in Section.allCases {
            let kind = try header.read(UInt32.self)
            guard kind == expected.rawValue, try header.read(UInt32.self) == 0 else {
                throw refuse("section table entry \(expected.rawValue) is not the \(expected) section")
            }
            entries[expected] = (try header.read(UInt64.self), try header.read(UInt64.self), try header.read(UInt64.self))
        }
        guard try header.read(UInt64.self) == HostChecksum.checksum64(Array(headerBytes.dropLast(8))) else {
            throw refuse("bad checksum in the header")
        }
        // The layout is fixed, so every byte of the file is covered by some check.
        var expectedOffset = headerSize
        func section(_ kind: Section) throws(SnapshotError) -> [UInt8] {
            // Every section was filled in above.
            let entry = entries[kind] ?? (0, 0, 0)
            guard entry.offset == expectedOffset else { throw refuse("the \(kind) section is not where it belongs") }
            guard entry.length <= 1 << 30 else { throw refuse("the \(kind) section claims \(entry.length) bytes") }
            let bytes = try read(entry.offset, entry.length)
            guard HostChecksum.checksum64(bytes) == entry.checksum else { throw refuse("bad checksum in the \(kind) section") }
            expectedOffset += entry.length
            return bytes
        }
        let configuration = try section(.configuration)
        let machineState = try section(.machine)
        let (ramSize, runs) = try decodeRuns(try section(.memoryRuns), path: path)
        let memory = entries[.memory] ?? (0, 0, 0)
        guard memory.offset == (expectedOffset + PageRun.pageSize - 1) / PageRun.pageSize * PageRun.pageSize else {
            throw refuse("the memory section is not on the page after the others")
        }
        guard try read(expectedOffset, memory.offset - expectedOffset).allSatisfy({ $0 == 0 }) else {
            throw refuse("bytes between the sections")
        }
        guard memory.length == runs.reduce(0, { $0 + $1.byteCount }) else {
            throw refuse("the memory section's length does not match its runs")
        }
        guard memory.checksum == memoryChecksum(runs) else { throw refuse("bad checksum in the memory section") }
        guard memory.length <= file.byteCount, memory.offset <= file.byteCount - memory.length else {
            throw refuse("truncated: \(file.byteCount) bytes, memory ends at \(memory.offset &+ memory.length)")
        }
        guard file.byteCount == memory.offset + memory.length else {
            throw refuse("\(file.byteCount - memory.offset - memory.length) bytes after the memory section")
        }
        return SnapshotFile(path: path, configuration: configuration, machineState: machineState, ramSize: ramSize,
                            runs: runs, memoryOffset: memory.offset, file: file)
    }

    /// Checks that the runs are in order, apart and inside RAM.
    static func decodeRuns(_ bytes: [UInt8], path: String) throws(SnapshotError) -> (UInt64, [PageRun]) {
        var input = SnapshotReader(bytes, what: path + " (memory runs)")
        let ramSize = try input.read(UInt64.self)
        guard ramSize > 0, ramSize % PageRun.pageSize == 0, ramSize <= maximumRAM else {
            throw .invalid(what: input.what, reason: "RAM size \(ramSize)")
        }
        let count = Int(try input.read(UInt32.self))
        guard count <= (bytes.count - input.offset) / runSize else { throw .truncated(what: input.what, offset: input.offset) }
        var runs: [PageRun] = []
        var nextFree: UInt64 = 0
        let pages = ramSize / PageRun.pageSize
        for _ in 0..<count {
            let run = PageRun(firstPage: try input.read(UInt64.self), pageCount: try input.read(UInt64.self), checksum: try input.read(UInt64.self))
            guard run.pageCount > 0, run.firstPage >= nextFree, run.firstPage < pages, run.pageCount <= pages - run.firstPage else {
                throw .invalid(what: input.what, reason: "run of \(run.pageCount) pages at page \(run.firstPage) is out of order or outside \(pages) pages of RAM")
            }
            nextFree = run.firstPage + run.pageCount
            runs.append(run)
        }
        try input.finish()
        return (ramSize, runs)
    }

    /// Maps the saved pages into `ram` (fresh, of `ramSize` bytes) copy-on-write and
    /// verifies each run against its checksum; a mismatch is an error, and the caller
    /// then discards the RAM without running it.
    public func restoreMemory(into ram: GuestRAM) throws {
        guard ram.size == ramSize else {
            throw SnapshotError.invalid(what: path, reason: "saved with \(ramSize >> 20) MiB of RAM; this machine has \(ram.size >> 20) MiB")
        }
        try ram.mapSnapshotPages(from: file, runs: runs, dataOffset: memoryOffset)
        // Verifying is most of a restore's time: the runs are split in two halves by
        // bytes, one verified on a second thread.
        let total = runs.reduce(0) { $0 + $1.byteCount }
        var split = 0, bytes: UInt64 = 0
        while split < runs.count && bytes < total / 2 { bytes += runs[split].byteCount; split += 1 }
        let (first, second) = (Array(runs[..<split]), Array(runs[split...]))
        let otherHalf = BadRun()
        let helper = second.isEmpty ? nil : try HostThread.start(name: "snapshot-verify") { [ram] in
            otherHalf.page = second.first { ram.checksum(of: $0) != $0.checksum }?.firstPage
        }
        let bad = first.first { ram.checksum(of: $0) != $0.checksum }?.firstPage
        helper?.join()
        if let page = bad ?? otherHalf.page {
            throw SnapshotError.invalid(what: path, reason: "bad checksum in memory at page \(page)")
        }
    }
}

/// The first bad run a verifying thread found (read after joining it).
private final class BadRun: @unchecked Sendable {
    var page: UInt64?
}
