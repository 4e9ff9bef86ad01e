import Atomics
import IsolaCore

/// The core-local interruptor (SiFive CLINT layout, ACLINT MSWI + MTIMER):
/// `msip` per hart at 0x0, `mtimecmp` per hart at 0x4000, `mtime` at 0xBFF8.
public final class CLINT: MMIODevice, SnapshotState {
    public static let size: UInt64 = 0x10000
    let clock: GuestClock
    /// `mtimecmp` per hart, atomic: any hart may write any hart's (M-mode software
    /// programs the timers of others) while the owner reads it to check for interrupts.
    private let mtimecmp: UnsafeMutablePointer<UInt64.AtomicRepresentation>
    let hartCount: Int
    /// The harts, attached after they are created (they need the machine first).
    var harts: [Hart] = []

    public init(hartCount: Int, clock: GuestClock) {
        self.hartCount = hartCount
        self.clock = clock
        mtimecmp = .allocate(capacity: hartCount)
        mtimecmp.initialize(repeating: UInt64.AtomicRepresentation(.max), count: hartCount)
    }

    deinit {
        mtimecmp.deinitialize(count: hartCount)
        mtimecmp.deallocate()
    }

    /// Hart `hart`'s `mtimecmp` (`hart` < `hartCount`).
    @inline(__always)
    func compare(of hart: Int) -> UInt64 {
        // SAFETY: callers pass a hart number below `hartCount`, the allocation's length.
        UnsafeAtomic(at: mtimecmp + hart).load(ordering: .relaxed)
    }

    private func setCompare(of hart: Int, to value: UInt64) {
        // SAFETY: as in `compare(of:)`: `hart` < `hartCount`.
        UnsafeAtomic(at: mtimecmp + hart).store(value, ordering: .relaxed)
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0..<0x4000:
            let hart = Int(offset / 4)
            guard hart < harts.count, offset % 4 == 0 else { return 0 }
            return harts[hart].interruptLines.load(ordering: .relaxed) & InterruptBits.msip != 0 ? 1 : 0
        case 0x4000..<0xBFF8:
            let hart = Int((offset - 0x4000) / 8)
            guard hart < hartCount else { return 0 }
            let value = compare(of: hart)
            return offset % 8 == 4 ? value >> 32 : value
        case 0xBFF8, 0xBFFC:
            let now = clock.mtime
            return offset == 0xBFFC ? now >> 32 : now
        default:
            return 0
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        switch offset {
        case 0..<0x4000:
            let hart = Int(offset / 4)
            guard hart < harts.count, offset % 4 == 0 else { return }
            harts[hart].setInterruptLine(InterruptBits.msip, asserted: value & 1 != 0)
        case 0x4000..<0xBFF8:
            let hart = Int((offset - 0x4000) / 8)
            guard hart < hartCount else { return }
            var v = compare(of: hart)
            if size == 8 {
                v = value
            } else if offset % 8 == 4 {
                v = (v & 0xFFFF_FFFF) | (value << 32)
            } else {
                v = (v & ~0xFFFF_FFFF) | (value & 0xFFFF_FFFF)
            }
            setCompare(of: hart, to: v)
            if hart < harts.count { harts[hart].kick() }
        case 0xBFF8, 0xBFFC:
            // Writing mtime shifts the whole machine's clock.
            clock.setMtime { now in
                offset == 0xBFFC ? (now & 0xFFFF_FFFF) | (value << 32)
                    : (size == 8 ? value : (now & ~0xFFFF_FFFF) | (value & 0xFFFF_FFFF))
            }
        default:
            break
        }
    }

    /// Each hart's `mtimecmp` and `msip` (version 1). `mtime` itself is the guest
    /// clock's, which the snapshot keeps apart.
    public func saveState(into out: inout SnapshotWriter) {
        out.write(UInt32(1))
        out.write((0..<hartCount).map { compare(of: $0) })
        out.write(harts.map { UInt8($0.interruptLines.load(ordering: .acquiring) & InterruptBits.msip != 0 ? 1 : 0) })
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "CLINT")
        let compares = try input.readArray(UInt64.self, expected: hartCount)
        let software = try input.readArray(UInt8.self, expected: harts.count)
        guard software.allSatisfy({ $0 <= 1 }) else { throw .invalid(what: input.what, reason: "an msip other than 0 or 1") }
        for (i, value) in compares.enumerated() { setCompare(of: i, to: value) }
        for (hart, msip) in zip(harts, software) { hart.setInterruptLine(InterruptBits.msip, asserted: msip == 1) }
    }
}
