import IsolaCore
import IsolaRISCV
import Testing

final class NullSink: ByteSink {
    func write(byte: UInt8) {}
    func flush() {}
}

@Suite struct PLICTests {
    let machine: RISCVMachine
    var plic: PLIC { machine.plic }
    init() throws {
        machine = try RISCVMachine(configuration: .init(memoryInBytes: 1 << 20, hartCount: 2), console: NullSink())
    }

    /// Context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one.
    func enable(_ source: Int, context: Int) {
        plic.write(offset: 0x2000 + 0x80 * UInt64(context), size: 4, value: 1 << UInt64(source))
    }
    func claim(_ context: Int) -> UInt64 { plic.read(offset: 0x20_0004 + 0x1000 * UInt64(context), size: 4) }
    func complete(_ context: Int, _ source: Int) { plic.write(offset: 0x20_0004 + 0x1000 * UInt64(context), size: 4, value: UInt64(source)) }
    func seip(_ hart: Int) -> Bool { machine.harts[hart].interruptLines.load(ordering: .relaxed) & InterruptBits.seip != 0 }

    @Test func levelRaisesClaimAndCompleteLowers() {
        plic.write(offset: 4 * 10, size: 4, value: 1)  // priority of source 10
        enable(10, context: 1)
        let line = plic.line(10)
        line.setLevel(true)
        #expect(seip(0))
        #expect(!seip(1))
        #expect(plic.read(offset: 0x1000, size: 4) == 1 << 10)  // pending
        #expect(claim(1) == 10)
        #expect(!seip(0))  // claimed: no longer pending
        #expect(claim(1) == 0)
        line.setLevel(false)
        complete(1, 10)
        #expect(!seip(0))
    }

    @Test func levelStillHighAfterCompleteIsPendingAgain() {
        plic.write(offset: 4 * 3, size: 4, value: 2)
        enable(3, context: 3)
        plic.line(3).setLevel(true)
        #expect(claim(3) == 3)
        complete(3, 3)
        #expect(seip(1))
    }

    @Test func priorityAndThreshold() {
        plic.write(offset: 4 * 1, size: 4, value: 1)
        plic.write(offset: 4 * 2, size: 4, value: 5)
        enable(1, context: 1)
        plic.write(offset: 0x2000 + 0x80, size: 4, value: 0b110)
        plic.line(1).setLevel(true)
        plic.line(2).setLevel(true)
        #expect(claim(1) == 2)  // higher priority first
        plic.write(offset: 0x20_1000, size: 4, value: 1)  // threshold 1: priority 1 is not above it
        #expect(!seip(0))
        #expect(claim(1) == 0)
    }

    @Test func zeroPriorityNeverInterrupts() {
        enable(7, context: 1)
        plic.line(7).setLevel(true)
        #expect(!seip(0))
    }
}
