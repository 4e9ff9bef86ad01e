/// What /proc/self/maps says each mapped range is: the file it came from (path, file
/// offset, device and inode) or a name in brackets (`[stack]`). The page tables say
/// what is mapped and how; these records only name it, so a range without one is
/// anonymous memory. Kept by the kernel under its lock, changed with the mappings.
struct MappingName: Equatable {
    var start: UInt64
    var end: UInt64
    var name: [UInt8]
    /// The file offset of `start` (0 for anonymous names).
    var offset: UInt64 = 0
    var device: (major: UInt32, minor: UInt32) = (0, 0)
    var inode: UInt64 = 0

    static func == (a: MappingName, b: MappingName) -> Bool {
        a.start == b.start && a.end == b.end && a.name == b.name && a.offset == b.offset
            && a.device == b.device && a.inode == b.inode
    }
}

struct MappingNames {
    /// Sorted by start, never overlapping.
    private(set) var entries: [MappingName] = []

    /// Names `[name.start, name.end)`, replacing whatever named part of it before.
    mutating func set(_ name: MappingName) {
        guard name.start < name.end else { return }
        remove(name.start, name.end)
        let index = entries.firstIndex { $0.start > name.start } ?? entries.count
        entries.insert(name, at: index)
    }

    /// Forgets the names of `[start, end)`, keeping the parts of entries outside it
    /// (their file offsets moved with them).
    mutating func remove(_ start: UInt64, _ end: UInt64) {
        guard start < end else { return }
        var kept: [MappingName] = []
        for entry in entries {
            guard entry.start < end && start < entry.end else {
                kept.append(entry)
                continue
            }
            if entry.start < start {
                var left = entry
                left.end = start
                kept.append(left)
            }
            if end < entry.end {
                var right = entry
                right.start = end
                if !right.name.isEmpty && right.inode != 0 { right.offset += end - entry.start }
                kept.append(right)
            }
        }
        entries = kept
    }

    /// mremap: the names of `[from, from + length)` go to `to`; a grown mapping's new
    /// pages take the name of its last page.
    mutating func move(from: UInt64, length: UInt64, to: UInt64, newLength: UInt64) {
        let moved = entries.filter { $0.start < from + length && from < $0.end }.map { entry -> MappingName in
            var piece = entry
            if piece.start < from {
                if piece.inode != 0 { piece.offset += from - piece.start }
                piece.start = from
            }
            piece.end = min(piece.end, from + length)
            return piece
        }
        remove(from, from + length)
        for var piece in moved {
            let shift = to &- from
            piece.start = piece.start &+ shift
            piece.end = piece.end == from + length ? to + newLength : min(piece.end &+ shift, to + newLength)
            if piece.start < piece.end { set(piece) }
        }
    }

    /// The name of the page at `va`, if it has one.
    func name(at va: UInt64) -> MappingName? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].end <= va { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].start <= va ? entries[low] : nil
    }
}
