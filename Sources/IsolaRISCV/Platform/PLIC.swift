import IsolaCore
import IsolaHost

/// The platform-level interrupt controller (RISC-V PLIC specification 1.0.0,
/// SiFive layout): level-triggered sources with gateways, per-source priority,
/// and two contexts per hart (M-mode external and S-mode external, as on
/// QEMU's `virt`). Devices raise lines from any thread; a lock orders them.
public final class PLIC: MMIODevice, SnapshotState, @unchecked Sendable {
    // Sendable: every field below is guarded by `lock`.
    public static let size: UInt64 = 0x60_0000
    /// Sources 1...sourceCount-1; source 0 does not exist.
    public static let sourceCount = 64

    private let lock = HostMutex()
    private var priority = [UInt32](repeating: 0, count: PLIC.sourceCount)
    private var level = [Bool](repeating: false, count: PLIC.sourceCount)
    private var pending = [Bool](repeating: false, count: PLIC.sourceCount)
    /// Claimed and not yet completed: the gateway holds further requests.
    private var inFlight = [Bool](repeating: false, count: PLIC.sourceCount)
    private var enable: [[Bool]]
    private var threshold: [UInt32]
    /// The harts the contexts signal: context 2h is hart h's MEIP, 2h+1 its SEIP.
    var harts: [Hart] = []

    public init(hartCount: Int) {
        enable = Array(repeating: Array(repeating: false, count: PLIC.sourceCount), count: 2 * hartCount)
        threshold = Array(repeating: 0, count: 2 * hartCount)
    }

    /// The interrupt line of one source, for a device to drive.
    public func line(_ source: Int) -> InterruptLine {
        precondition(source > 0 && source < PLIC.sourceCount, "PLIC source out of range")
        return SourceLine(plic: self, source: source)
    }

    private final class SourceLine: InterruptLine {
        unowned let plic: PLIC
        let source: Int
        init(plic: PLIC, source: Int) { self.plic = plic; self.source = source }
        func setLevel(_ asserted: Bool) { plic.setLevel(source: source, asserted: asserted) }
    }

    func setLevel(source: Int, asserted: Bool) {
        lock.withLock {
            level[source] = asserted
            if asserted && !inFlight[source] { pending[source] = true }
            if !asserted { pending[source] = false }
            updateOutputs()
        }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        lock.withLock {
            switch offset {
            case 0..<0x1000:
                let s = Int(offset / 4)
                return s < PLIC.sourceCount ? UInt64(priority[s]) : 0
            case 0x1000..<0x1080:
                return UInt64(bits(pending, word: Int((offset - 0x1000) / 4)))
            case 0x2000..<0x20_0000:
                let context = Int((offset - 0x2000) / 0x80)
                guard context < enable.count else { return 0 }
                return UInt64(bits(enable[context], word: Int((offset - 0x2000) % 0x80 / 4)))
            case 0x20_0000..<PLIC.size:
                let context = Int((offset - 0x20_0000) / 0x1000)
                guard context < threshold.count else { return 0 }
                switch (offset - 0x20_0000) % 0x1000 {
                case 0: return UInt64(threshold[context])
                case 4: return UInt64(claim(context))
                default: return 0
                }
            default:
                return 0
            }
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt32(truncatingIfNeeded: value)
        lock.withLock {
            switch offset {
            case 0..<0x1000:
                let s = Int(offset / 4)
                if s > 0 && s < PLIC.sourceCount { priority[s] = v & 7 }
            case 0x2000..<0x20_0000:
                let context = Int((offset - 0x2000) / 0x80)
                let word = Int((offset - 0x2000) % 0x80 / 4)
                guard context < enable.count else { return }
                for bit in 0..<32 {
                    let s = word * 32 + bit
                    if s > 0 && s < PLIC.sourceCount { enable[context][s] = (v >> UInt32(bit)) & 1 != 0 }
                }
            case 0x20_0000..<PLIC.size:
                let context = Int((offset - 0x20_0000) / 0x1000)
                guard context < threshold.count else { return }
                switch (offset - 0x20_0000) % 0x1000 {
                case 0: threshold[context] = v & 7
                case 4: complete(context, source: Int(v))
                default: break
                }
            default:
                break
            }
            updateOutputs()
        }
    }

    private func bits(_ flags: [Bool], word: Int) -> UInt32 {
        var r: UInt32 = 0
        for bit in 0..<32 where word * 32 + bit < flags.count && flags[word * 32 + bit] { r |= 1 << UInt32(bit) }
        return r
    }

    /// The best pending, enabled source above the context's threshold (lowest number wins ties).
    private func best(_ context: Int) -> Int {
        var best = 0
        var bestPriority: UInt32 = 0
        for s in 1..<PLIC.sourceCount where pending[s] && enable[context][s] && priority[s] > threshold[context] {
            if priority[s] > bestPriority { best = s; bestPriority = priority[s] }
        }
        return best
    }

    private func claim(_ context: Int) -> UInt32 {
        let s = best(context)
        if s != 0 {
            pending[s] = false
            inFlight[s] = true
        }
        updateOutputs()
        return UInt32(s)
    }

    private func complete(_ context: Int, source: Int) {
        guard source > 0 && source < PLIC.sourceCount, enable[context][source] else { return }
        inFlight[source] = false
        if level[source] { pending[source] = true }
    }

    private func updateOutputs() {
        for (h, hart) in harts.enumerated() {
            let m = best(2 * h) != 0, s = best(2 * h + 1) != 0
            let current = hart.interruptLines.load(ordering: .relaxed)
            if (current & InterruptBits.meip != 0) != m { hart.setInterruptLine(InterruptBits.meip, asserted: m) }
            if (current & InterruptBits.seip != 0) != s { hart.setInterruptLine(InterruptBits.seip, asserted: s) }
        }
    }

    private static func mask(_ bits: [Bool]) -> UInt64 {
        bits.enumerated().reduce(UInt64(0)) { $0 | ($1.element ? 1 << UInt64($1.offset) : 0) }
    }

    private static func bits(_ mask: UInt64) -> [Bool] {
        (0..<sourceCount).map { mask & (1 << UInt64($0)) != 0 }
    }

    /// Priorities, source levels, pending and claimed sources, and each context's
    /// enables and threshold (version 1); restoring re-drives the harts' lines.
    public func saveState(into out: inout SnapshotWriter) {
        lock.withLock {
            out.write(UInt32(1))
            out.write(priority)
            out.write(PLIC.mask(level))
            out.write(PLIC.mask(pending))
            out.write(PLIC.mask(inFlight))
            out.write(enable.map(PLIC.mask))
            out.write(threshold)
        }
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "PLIC")
        let priorities = try input.readArray(UInt32.self, expected: PLIC.sourceCount)
        let levels = try input.read(UInt64.self), pendings = try input.read(UInt64.self), claimed = try input.read(UInt64.self)
        let enables = try input.readArray(UInt64.self, expected: enable.count)
        let thresholds = try input.readArray(UInt32.self, expected: threshold.count)
        lock.withLock {
            priority = priorities
            level = PLIC.bits(levels)
            pending = PLIC.bits(pendings)
            inFlight = PLIC.bits(claimed)
            enable = enables.map(PLIC.bits)
            threshold = thresholds
            updateOutputs()
        }
    }
}
