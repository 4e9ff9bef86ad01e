/// The translator's units by (virtual pc, physical pc): an open-addressing hash
/// table with linear probing and a multiplicative hash, because the dispatcher
/// looks a unit up after every jump-cache miss and a `Dictionary` with SipHash
/// cost a quarter of a Linux boot there. Removal leaves a tombstone; the table
/// grows (and drops tombstones) when it is 3/4 full.
struct UnitTable {
    private struct Slot {
        var virtualPC: UInt64
        var physicalPC: UInt64
        /// Index into `units`, or `empty` / `removed`.
        var index: Int32
    }

    private static let empty: Int32 = -1
    private static let removed: Int32 = -2
    private var slots: [Slot]
    private var mask: Int
    /// Live entries plus tombstones.
    private var occupied = 0
    private(set) var count = 0
    private(set) var units: [Translator.Unit] = []
    private var freeIndices: [Int32] = []

    init(capacity: Int = 1 << 10) {
        slots = [Slot](repeating: Slot(virtualPC: 0, physicalPC: 0, index: UnitTable.empty), count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    private func home(_ key: Translator.Key) -> Int {
        let h = (key.virtualPC &* 0x9E37_79B9_7F4A_7C15) ^ ((key.physicalPC >> 1) &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: h >> 20) & mask
    }

    /// The slot holding `key`, if any.
    @inline(__always)
    private func find(_ key: Translator.Key) -> Int? {
        var i = home(key)
        while true {
            let s = slots[i]
            if s.index == UnitTable.empty { return nil }
            if s.index >= 0 && s.virtualPC == key.virtualPC && s.physicalPC == key.physicalPC { return i }
            i = (i + 1) & mask
        }
    }

    subscript(key: Translator.Key) -> Translator.Unit? {
        guard let i = find(key) else { return nil }
        return units[Int(slots[i].index)]
    }

    mutating func setEpoch(_ epoch: Int32, of key: Translator.Key) {
        guard let i = find(key) else { return }
        units[Int(slots[i].index)].epoch = epoch
    }

    mutating func insert(_ unit: Translator.Unit, for key: Translator.Key) {
        remove(key)
        if (occupied + 1) * 4 > slots.count * 3 { rehash(to: count * 4 > slots.count ? slots.count * 2 : slots.count) }
        let index: Int32
        if let free = freeIndices.popLast() {
            index = free
            units[Int(free)] = unit
        } else {
            index = Int32(units.count)
            units.append(unit)
        }
        var i = home(key)
        while slots[i].index >= 0 { i = (i + 1) & mask }
        if slots[i].index == UnitTable.empty { occupied += 1 }
        slots[i] = Slot(virtualPC: key.virtualPC, physicalPC: key.physicalPC, index: index)
        count += 1
    }

    mutating func remove(_ key: Translator.Key) {
        guard let i = find(key) else { return }
        freeIndices.append(slots[i].index)
        slots[i].index = UnitTable.removed
        count -= 1
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i].index = UnitTable.empty }
        units.removeAll(keepingCapacity: true)
        freeIndices.removeAll(keepingCapacity: true)
        occupied = 0
        count = 0
    }

    private mutating func rehash(to capacity: Int) {
        let old = slots
        slots = [Slot](repeating: Slot(virtualPC: 0, physicalPC: 0, index: UnitTable.empty), count: capacity)
        mask = capacity - 1
        occupied = 0
        for s in old where s.index >= 0 {
            var i = home(Translator.Key(virtualPC: s.virtualPC, physicalPC: s.physicalPC))
            while slots[i].index != UnitTable.empty { i = (i + 1) & mask }
            slots[i] = s
            occupied += 1
        }
    }
}
