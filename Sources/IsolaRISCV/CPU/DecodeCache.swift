import IsolaHost

/// Pre-decoded instructions, keyed by guest physical page.
///
/// Direct-mapped: each slot holds one physical page as 2048 `DecodedInstruction`s
/// (one per 2-byte offset, since RVC allows 2-byte alignment). Entries are decoded
/// lazily; a zeroed entry is `.undecoded`. The table lives in an anonymous
/// mapping, so slots cost host memory only once used.
///
/// Each slot also keeps a shadow: the page's bytes as they were when the slot took
/// it, which every entry was decoded from. A `fence.i` only marks slots stale; a
/// stale page fetched again keeps its entries when its memory still equals the
/// shadow, and is cleared otherwise. Linux issues a `fence.i` for every executable
/// page it maps, so clearing every cached page (32 KiB of entries each) at each one
/// was most of the cost of an exec; most pages have not changed.
final class DecodeCache {
    static let entriesPerPage = 2048
    static let pageBytes = 4096
    let slotCount: Int
    private let tags: UnsafeMutablePointer<UInt64>
    private let mapping: MemoryMapping
    let entries: UnsafeMutablePointer<DecodedInstruction>
    private let shadowMapping: MemoryMapping
    private let shadow: UnsafeMutableRawPointer
    /// Whether a slot's entries may have been decoded from bytes its shadow does not
    /// hold (memory changed under it between decodes, without a `fence.i`): such a
    /// slot is never kept across one.
    private var mixed: [Bool]

    static let empty: UInt64 = .max
    /// Set in the tag of a page a `fence.i` made stale (page numbers have 44 bits).
    static let staleBit: UInt64 = 1 << 63

    init(slotCount: Int) throws {
        precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "slot count must be a power of two")
        self.slotCount = slotCount
        tags = .allocate(capacity: slotCount)
        tags.initialize(repeating: DecodeCache.empty, count: slotCount)
        mapping = try MemoryMapping(byteCount: slotCount * DecodeCache.entriesPerPage * MemoryLayout<DecodedInstruction>.stride)
        // SAFETY: the mapping is zero-filled and sized for slotCount pages; zero is `.undecoded`.
        entries = mapping.base.bindMemory(to: DecodedInstruction.self, capacity: slotCount * DecodeCache.entriesPerPage)
        shadowMapping = try MemoryMapping(byteCount: slotCount * DecodeCache.pageBytes)
        shadow = shadowMapping.base
        mixed = [Bool](repeating: false, count: slotCount)
    }

    deinit {
        tags.deallocate()
    }

    /// The slot for a physical page whose bytes are at `bytes`, recycling its previous
    /// occupant if needed. Returns the page's entries and the live page that was
    /// evicted, if any (a stale one was already forgotten by `invalidateAll`).
    func page(for physicalPage: UInt64, bytes: UnsafeRawPointer) -> (entries: UnsafeMutablePointer<DecodedInstruction>, evicted: UInt64?) {
        let slot = Int(physicalPage & UInt64(slotCount - 1))
        let base = entries + slot * DecodeCache.entriesPerPage
        let old = tags[slot]
        if old == physicalPage { return (base, nil) }
        let copy = shadow + slot * DecodeCache.pageBytes
        if old == physicalPage | DecodeCache.staleBit && !mixed[slot] && memcmpEqual(copy, bytes, DecodeCache.pageBytes) {
            tags[slot] = physicalPage
            return (base, nil)
        }
        if old != DecodeCache.empty { clear(base) }
        // SAFETY: `copy` is this slot's pageBytes of the shadow mapping; `bytes` is a whole RAM page.
        copy.copyMemory(from: bytes, byteCount: DecodeCache.pageBytes)
        mixed[slot] = false
        tags[slot] = physicalPage
        return (base, old & DecodeCache.staleBit == 0 ? old : nil)
    }

    /// Notes the instruction bits `bits` (`length` bytes) an entry of `page` at byte
    /// `offset` was just decoded from; they lie inside the page.
    @inline(__always)
    func decoded(page: UnsafeMutablePointer<DecodedInstruction>, offset: Int, bits: UInt32, length: Int) {
        let slot = (page - entries) / DecodeCache.entriesPerPage
        let copy = shadow + slot * DecodeCache.pageBytes + offset
        // SAFETY: offset + length <= pageBytes (an instruction across the page end is not cached).
        let held = length == 2 ? UInt32(copy.loadUnaligned(as: UInt16.self)) : copy.loadUnaligned(as: UInt32.self)
        if held != bits {
            mixed[slot] = true
            // SAFETY: as above.
            if length == 2 { copy.storeBytes(of: UInt16(truncatingIfNeeded: bits), as: UInt16.self) } else { copy.storeBytes(of: bits, as: UInt32.self) }
        }
    }

    /// The entries of a physical page if it is cached.
    func cachedPage(_ physicalPage: UInt64) -> UnsafeMutablePointer<DecodedInstruction>? {
        let slot = Int(physicalPage & UInt64(slotCount - 1))
        return tags[slot] == physicalPage ? entries + slot * DecodeCache.entriesPerPage : nil
    }

    /// Forgets every page (`fence.i`), keeping their entries and shadows to check
    /// against memory when fetched again; returns the physical pages that were cached.
    func invalidateAll() -> [UInt64] {
        var dropped: [UInt64] = []
        for slot in 0..<slotCount where tags[slot] & DecodeCache.staleBit == 0 {
            dropped.append(tags[slot])
            tags[slot] |= DecodeCache.staleBit
        }
        return dropped
    }

    /// Forgets every page and gives the table's memory back to the host (an idle VM's
    /// decoded code is mostly cold; what is hot is decoded again on its next fetch).
    /// Answers the physical pages that were cached.
    func discardAll() -> [UInt64] {
        var dropped: [UInt64] = []
        for slot in 0..<slotCount where tags[slot] != DecodeCache.empty {
            if tags[slot] & DecodeCache.staleBit == 0 { dropped.append(tags[slot]) }
            tags[slot] = DecodeCache.empty
        }
        mapping.discard(offset: 0, length: mapping.byteCount)  // reads as zeros: `.undecoded`
        shadowMapping.discard(offset: 0, length: shadowMapping.byteCount)
        return dropped
    }

    private func clear(_ base: UnsafeMutablePointer<DecodedInstruction>) {
        // SAFETY: `base` starts one slot of `entries` (from `page(for:)`), whose
        // entriesPerPage entries lie inside the mapping; all-zero bytes are `.undecoded`.
        UnsafeMutableRawPointer(base).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: DecodeCache.entriesPerPage * MemoryLayout<DecodedInstruction>.stride)
    }
}
