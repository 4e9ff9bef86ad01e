import IsolaCore
import IsolaRISCV
import Testing

final class Recorder: ByteSink {
    var bytes: [UInt8] = []
    func write(byte: UInt8) { bytes.append(byte) }
    func flush() {}
}

/// The built-in SBI answering ecalls as a kernel makes them: a7 = extension, a6 = function.
@Suite struct SBITests {
    let console = Recorder()
    let machine: RISCVMachine
    let sbi: SupervisorBinaryInterface

    init() throws {
        machine = try RISCVMachine(configuration: .init(memoryInBytes: 4 << 20, hartCount: 2), console: console)
        sbi = SupervisorBinaryInterface(machine: machine.context, console: console)
        sbi.input = { [uart = machine.uart] in uart.takeReceivedByteForFirmware() }
    }

    func call(_ eid: UInt64, _ fid: UInt64, _ args: UInt64..., hart: Int = 0) -> (Int64, UInt64) {
        let h = machine.harts[hart]
        h.x[17] = eid
        h.x[16] = fid
        for (i, a) in args.enumerated() { h.x[10 + i] = a }
        #expect(sbi.handleEnvironmentCall(hart: h, from: .supervisor))
        return (Int64(bitPattern: h.x[10]), h.x[11])
    }

    @Test func baseExtension() {
        #expect(call(0x10, 0) == (0, 2 << 24))  // spec version 2.0
        #expect(call(0x10, 3, 0x5449_4D45) == (0, 1))  // TIME is there
        #expect(call(0x10, 3, 0x1234_5678) == (0, 0))  // unknown extension
        #expect(call(0x10, 99).0 == -2)  // NOT_SUPPORTED
    }

    @Test func userModeEcallsAreNotSBI() {
        #expect(!sbi.handleEnvironmentCall(hart: machine.harts[0], from: .user))
    }

    @Test func debugConsoleWritesFromGuestMemoryOnly() throws {
        try machine.context.ram.write(Array("hello".utf8), at: 0x8000_1000)
        #expect(call(0x4442_434E, 0, 5, 0x8000_1000, 0) == (0, 5))
        #expect(console.bytes == Array("hello".utf8))
        // A buffer outside RAM is refused, not read.
        #expect(call(0x4442_434E, 0, 5, 0x1000, 0).0 == -3)
        #expect(call(0x4442_434E, 2, 0x21).0 == 0)
        #expect(console.bytes.last == 0x21)
    }

    @Test func hartStateManagement() {
        #expect(call(0x48_534D, 2, 1).1 == 0)  // hart 1 starts out started (no boot protocol here)
        machine.harts[1].hsmState.store(HSMState.stopped.rawValue, ordering: .relaxed)
        #expect(call(0x48_534D, 2, 1).1 == 1)
        #expect(call(0x48_534D, 0, 1, 0x8000_0000, 42).0 == 0)
        #expect(call(0x48_534D, 2, 1).1 == 2)  // start pending until the hart runs
        #expect(call(0x48_534D, 0, 1, 0x8000_0000, 42).0 == -6)  // ALREADY_AVAILABLE
        #expect(call(0x48_534D, 0, 7, 0x8000_0000, 0).0 == -3)  // no such hart
        #expect(call(0x48_534D, 0, 1, 0x10, 0).0 == -5)  // start address outside RAM
    }

    @Test func shutdownAndReset() {
        #expect(call(0x5352_5354, 0, 0, 0).0 == 0)
        #expect(machine.context.powerRequest == .poweroff(exitCode: 0))
        #expect(call(0x5352_5354, 0, 9, 0).0 == -3)
    }

    @Test func legacyConsole() {
        _ = call(0x01, 0, 0x41)
        #expect(console.bytes == [0x41])
        #expect(call(0x02, 0).0 == -1)  // nothing typed
        machine.uart.receive([0x7A])
        #expect(call(0x02, 0).0 == 0x7A)
    }
}
