import IsolaCore
import IsolaDevices
import Testing

/// The UART's saved state: registers and unread input survive a restore; bad bytes are refused.
@Suite struct UART16550StateTests {
    static func saved(_ uart: UART16550) -> [UInt8] {
        var out = SnapshotWriter()
        uart.saveState(into: &out)
        return out.bytes
    }

    @Test func registersAndUnreadInputSurviveARestore() throws {
        let original = UART16550(output: Collector())
        original.write(offset: 3, size: 1, value: 0x03)   // LCR: 8N1
        original.write(offset: 7, size: 1, value: 0x5A)   // SCR
        original.write(offset: 1, size: 1, value: 0x01)   // IER: receive interrupts
        original.receive(Array("typed".utf8))
        let bytes = Self.saved(original)
        let line = Line()
        let copy = UART16550(output: Collector(), interrupt: line)
        var input = SnapshotReader(bytes, what: "uart")
        try copy.restoreState(from: &input)
        try input.finish()
        #expect(Self.saved(copy) == bytes)
        #expect(line.level, "pending input with IER.RX raises the line after a restore")
        #expect(copy.read(offset: 7, size: 1) == 0x5A)
        #expect((0..<5).map { _ in UInt8(copy.read(offset: 0, size: 1)) } == Array("typed".utf8))
    }

    @Test func truncatedOrForeignStateIsRefusedAndChangesNothing() throws {
        let source = UART16550(output: Collector())
        source.receive([1, 2, 3])
        let bytes = Self.saved(source)
        let target = UART16550(output: Collector())
        let before = Self.saved(target)
        for length in 0..<bytes.count {
            var input = SnapshotReader(Array(bytes[0..<length]), what: "uart")
            #expect(throws: SnapshotError.self) { try target.restoreState(from: &input) }
        }
        var foreign = bytes
        foreign[0] = 9
        var input = SnapshotReader(foreign, what: "uart")
        #expect(throws: SnapshotError.invalid(what: "uart", reason: "UART state version 9; this Isola reads 1")) { try target.restoreState(from: &input) }
        #expect(Self.saved(target) == before)
    }
}
