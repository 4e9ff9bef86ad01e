/// The frames a process gave back, as sorted runs of contiguous frames. A new page
/// takes the lowest frame of the highest run, so a mapping gets ascending, contiguous
/// frames and an unmap gives back whole runs, which the host reclaims in one call
/// each: a program that maps and unmaps gigabytes makes a host call per run, not per page.
struct FramePool {
    /// Sorted by start, never overlapping or touching (touching runs are merged).
    private(set) var runs: [(start: UInt64, count: UInt64)] = []
    static let pageSize: UInt64 = 4096

    /// A free frame, or nil when there is none.
    mutating func take() -> UInt64? {
        guard let last = runs.indices.last else { return nil }
        let frame = runs[last].start
        runs[last].start += FramePool.pageSize
        runs[last].count -= 1
        if runs[last].count == 0 { runs.removeLast() }
        return frame
    }

    /// Up to `count` contiguous free frames: from the highest run that holds them all,
    /// else as many as the highest run has; nil when the pool is empty. A mapping takes
    /// its frames this way, so it does not collect scattered pieces of many runs.
    mutating func take(upTo count: UInt64) -> (start: UInt64, count: UInt64)? {
        guard count > 0, !runs.isEmpty else { return nil }
        let index = runs.lastIndex { $0.count >= count } ?? runs.count - 1
        let taken = min(count, runs[index].count)
        let start = runs[index].start
        runs[index].start += taken * FramePool.pageSize
        runs[index].count -= taken
        if runs[index].count == 0 { runs.remove(at: index) }
        return (start, taken)
    }

    /// The runs of contiguous frames in `frames`, taken in their order: a frame that
    /// continues the run before joins it, one already in it (a repeat) is dropped.
    static func runs(of frames: [UInt64]) -> [(start: UInt64, count: UInt64)] {
        var result: [(start: UInt64, count: UInt64)] = []
        for frame in frames {
            if let last = result.last, frame >= last.start, frame < last.start + last.count * pageSize { continue }
            if let last = result.last, last.start + last.count * pageSize == frame {
                result[result.count - 1].count += 1
            } else {
                result.append((frame, 1))
            }
        }
        return result
    }

    /// Gives back sorted, non-overlapping runs that are not in the pool.
    mutating func give(_ given: [(start: UInt64, count: UInt64)]) {
        guard !given.isEmpty else { return }
        var merged: [(start: UInt64, count: UInt64)] = []
        merged.reserveCapacity(runs.count + given.count)
        var i = 0, j = 0
        while i < runs.count || j < given.count {
            let next: (start: UInt64, count: UInt64)
            if j >= given.count || (i < runs.count && runs[i].start < given[j].start) {
                next = runs[i]
                i += 1
            } else {
                next = given[j]
                j += 1
            }
            if let last = merged.last, last.start + last.count * FramePool.pageSize >= next.start {
                // Touching runs merge; an overlap (a frame given twice) keeps the frame once.
                let end = max(last.start + last.count * FramePool.pageSize, next.start + next.count * FramePool.pageSize)
                merged[merged.count - 1].count = (end - last.start) / FramePool.pageSize
            } else {
                merged.append(next)
            }
        }
        runs = merged
    }
}
