import Foundation
import IsolaCore
import IsolaRISCV
import Testing

/// The whole machine's saved state (harts, CLINT, PLIC, UART, virtio devices, clock):
/// it round-trips into a fresh machine, refuses another board's, and no mutation of
/// its bytes crashes the restore.
/// The host's wall clock, for comparing the guest's date with.
enum HostClockNow {
    static func nanoseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1e9) }
}

@Suite struct MachineStateTests {
    static func machine(harts: Int = 2, memory: UInt64 = 1 << 20) throws -> RISCVMachine {
        try RISCVMachine(configuration: .init(memoryInBytes: memory, hartCount: harts), console: NullSink())
    }

    static func saved(_ machine: RISCVMachine) -> [UInt8] {
        var out = SnapshotWriter()
        machine.saveState(into: &out)
        return out.bytes
    }

    @Test func roundTripsIntoAFreshMachineAndGuestTimeResumes() throws {
        let original = try Self.machine()
        original.harts[1].x[5] = 0xDEAD_BEEF
        original.harts[0].pc = 0x8000_1234
        let bytes = Self.saved(original)
        let copy = try Self.machine()
        var input = SnapshotReader(bytes, what: "machine")
        try copy.restoreState(from: &input, clock: .resume)
        #expect(copy.harts[1].x[5] == 0xDEAD_BEEF && copy.harts[0].pc == 0x8000_1234)
        // The saved time was the paused time (0 here): guest time starts again from it.
        #expect(copy.context.clock.mtime < 10_000_000)
        // Everything but the wall-clock stamp saves the same again.
        #expect(Self.saved(copy).count == bytes.count)
    }

    @Test func clockSyncJumpsByTheRealTimeSinceTheSave() throws {
        let bytes = Self.saved(try Self.machine())
        usleep(1_200_000)
        let resumed = try Self.machine(), synced = try Self.machine()
        var a = SnapshotReader(bytes, what: "machine"), b = SnapshotReader(bytes, what: "machine")
        try resumed.restoreState(from: &a, clock: .resume)
        try synced.restoreState(from: &b, clock: .sync)
        #expect(resumed.context.clock.mtime < 5_000_000, "resume: guest time went on while the snapshot lay on disk")
        #expect(synced.context.clock.mtime >= 11_000_000, "sync: guest time did not catch up with the 1.2 s since the save")
        // The real-time clock follows the same choice: sync keeps the host's date, resume
        // takes out the 1.2 s the snapshot lay on disk.
        let host = HostClockNow.nanoseconds()
        #expect(synced.rtc.nanoseconds >= host - 100_000_000, "sync: the guest's date is not the host's")
        #expect(resumed.rtc.nanoseconds <= host - 1_100_000_000, "resume: the guest's date went on while the snapshot lay on disk")
    }

    @Test func anotherBoardIsRefused() throws {
        let bytes = Self.saved(try Self.machine())
        for other in [try Self.machine(harts: 3), try Self.machine(memory: 2 << 20)] {
            var input = SnapshotReader(bytes, what: "machine")
            #expect(throws: SnapshotError.self) { try other.restoreState(from: &input, clock: .resume) }
        }
    }

    @Test func mutatedStateNeverCrashesTheRestore() throws {
        let bytes = Self.saved(try Self.machine())
        var generator = SplitMix(seed: SplitMix.testSeed)  // a failure names its seed
        var machine = try Self.machine()
        var refused = 0
        for trial in 0..<2000 {
            if trial % 50 == 0 { machine = try Self.machine() }  // a refused restore leaves a machine to throw away
            var mutant = bytes
            if trial % 3 == 0 {
                mutant = Array(mutant.prefix(Int.random(in: 0..<mutant.count, using: &generator)))
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    mutant[Int.random(in: 0..<mutant.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            var input = SnapshotReader(mutant, what: "machine")
            do {
                try machine.restoreState(from: &input, clock: trial % 2 == 0 ? .resume : .sync)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 600, "truncations alone are a third of the mutants; \(refused) refused")
    }
}
