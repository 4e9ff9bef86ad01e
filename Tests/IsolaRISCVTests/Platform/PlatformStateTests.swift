import IsolaCore
import IsolaRISCV
import Testing

/// The PLIC's and the CLINT's saved state restores exactly and re-drives the harts'
/// interrupt lines; truncated bytes are refused without changing anything.
@Suite struct PlatformStateTests {
    static func machine() throws -> RISCVMachine {
        try RISCVMachine(configuration: .init(memoryInBytes: 1 << 20, hartCount: 2), console: NullSink())
    }

    static func saved(_ part: any SnapshotState) -> [UInt8] {
        var out = SnapshotWriter()
        part.saveState(into: &out)
        return out.bytes
    }

    static func restore(_ part: any SnapshotState, _ bytes: [UInt8]) throws {
        var input = SnapshotReader(bytes, what: "state")
        try part.restoreState(from: &input)
        try input.finish()
    }

    static func expectTruncationsRefused(_ bytes: [UInt8], into part: any SnapshotState) {
        let before = saved(part)
        for length in 0..<bytes.count {
            var input = SnapshotReader(Array(bytes[0..<length]), what: "state")
            #expect(throws: SnapshotError.self) { try part.restoreState(from: &input) }
        }
        #expect(saved(part) == before)
    }

    @Test func thePLICRestoresPendingAndClaimedSourcesAndTheHartsSeeThem() throws {
        let original = try Self.machine()
        let plic = original.plic
        plic.write(offset: 4 * 5, size: 4, value: 3)                    // priority of source 5
        plic.write(offset: 4 * 9, size: 4, value: 1)                    // priority of source 9
        plic.write(offset: 0x2000 + 0x80 * 3, size: 4, value: 1 << 5 | 1 << 9)  // hart 1's S context
        plic.line(5).setLevel(true)
        plic.line(9).setLevel(true)
        #expect(plic.read(offset: 0x20_0004 + 0x1000 * 3, size: 4) == 5)  // claim 5: in flight
        let bytes = Self.saved(plic)

        let copy = try Self.machine()
        try Self.restore(copy.plic, bytes)
        #expect(Self.saved(copy.plic) == bytes)
        #expect(copy.harts[1].interruptLines.load(ordering: .relaxed) & InterruptBits.seip != 0, "source 9 is still pending for hart 1")
        #expect(copy.plic.read(offset: 0x20_0004 + 0x1000 * 3, size: 4) == 9)
        Self.expectTruncationsRefused(bytes, into: try Self.machine().plic)
    }

    @Test func theCLINTRestoresCompareValuesAndSoftwareInterrupts() throws {
        let original = try Self.machine()
        original.context.clint.write(offset: 0x4000 + 8, size: 8, value: 0x1234_5678)  // hart 1's mtimecmp
        original.context.clint.write(offset: 4, size: 4, value: 1)                      // hart 1's msip
        let bytes = Self.saved(original.context.clint)
        let copy = try Self.machine()
        try Self.restore(copy.context.clint, bytes)
        #expect(copy.context.clint.read(offset: 0x4000 + 8, size: 8) == 0x1234_5678)
        #expect(copy.harts[1].interruptLines.load(ordering: .relaxed) & InterruptBits.msip != 0)
        #expect(copy.harts[0].interruptLines.load(ordering: .relaxed) & InterruptBits.msip == 0)
        #expect(Self.saved(copy.context.clint) == bytes)
        Self.expectTruncationsRefused(bytes, into: try Self.machine().context.clint)
    }
}
