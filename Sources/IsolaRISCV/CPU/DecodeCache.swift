import IsolaHost

/// Pre-decoded instructions, keyed by guest physical page.
///
/// Direct-mapped: each slot holds one physical page as 2048 `DecodedInstruction`s
/// (one per 2-byte offset, since RVC allows 2-byte alignment). Entries are decoded
/// lazily; a zeroed entry is `.undecoded`. The table lives in an anonymous
/// mapping, so slots cost host memory only once used.
final class DecodeCache {
    static let entriesPerPage = 2048
    let slotCount: Int
    private let tags: UnsafeMutablePointer<UInt64>
    private let mapping: MemoryMapping
    let entries: UnsafeMutablePointer<DecodedInstruction>

    static let empty: UInt64 = .max

    init(slotCount: Int) throws {
        precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
        self.slotCount = slotCount
        tags = .allocate(capacity: slotCount)
        tags.initialize(repeating: DecodeCache.empty, count: slotCount)
        mapping = try MemoryMapping(byteCount: slotCount * DecodeCache.entriesPerPage * MemoryLayout<DecodedInstruction>.stride)
        // SAFETY: the mapping is zero-filled and sized for slotCount pages; zero is `.undecoded`.
        entries = mapping.base.bindMemory(to: DecodedInstruction.self, capacity: slotCount * DecodeCache.entriesPerPage)
    }

    deinit {
        tags.deallocate()
    }

    /// The slot for a physical page, recycling its previous occupant if needed.
    /// Returns the page's entries and the physical page that was evicted, if any.
    func page(for physicalPage: UInt64) -> (entries: UnsafeMutablePointer<DecodedInstruction>, evicted: UInt64?) {
        let slot = Int(physicalPage & UInt64(slotCount - 1))
        let base = entries + slot * DecodeCache.entriesPerPage
        let old = tags[slot]
        if old == physicalPage { return (base, nil) }
        if old != DecodeCache.empty { clear(base) }
        tags[slot] = physicalPage
        return (base, old == DecodeCache.empty ? nil : old)
    }

    /// The entries of a physical page if it is cached.
    func cachedPage(_ physicalPage: UInt64) -> UnsafeMutablePointer<DecodedInstruction>? {
        let slot = Int(physicalPage & UInt64(slotCount - 1))
        return tags[slot] == physicalPage ? entries + slot * DecodeCache.entriesPerPage : nil
    }

    /// Forgets every page (`fence.i`); returns the physical pages that were cached.
    func invalidateAll() -> [UInt64] {
        var dropped: [UInt64] = []
        for slot in 0..<slotCount where tags[slot] != DecodeCache.empty {
            dropped.append(tags[slot])
            tags[slot] = DecodeCache.empty
            clear(entries + slot * DecodeCache.entriesPerPage)
        }
        return dropped
    }

    /// Forgets every page and gives the table's memory back to the host (an idle VM's
    /// decoded code is mostly cold; what is hot is decoded again on its next fetch).
    /// Answers the physical pages that were cached.
    func discardAll() -> [UInt64] {
        var dropped: [UInt64] = []
        for slot in 0..<slotCount where tags[slot] != DecodeCache.empty {
            dropped.append(tags[slot])
            tags[slot] = DecodeCache.empty
        }
        mapping.discard(offset: 0, length: mapping.byteCount)  // reads as zeros: `.undecoded`
        return dropped
    }

    private func clear(_ base: UnsafeMutablePointer<DecodedInstruction>) {
        // SAFETY: `base` starts one slot of `entries` (from `page(for:)` or `invalidateAll`), whose
        // entriesPerPage entries lie inside the mapping; all-zero bytes are `.undecoded`.
        UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: DecodeCache.entriesPerPage * MemoryLayout<DecodedInstruction>.stride)
    }
}
