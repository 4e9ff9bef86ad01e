import IsolaCore
import IsolaRISCV
import Testing

/// A hart's saved state restores exactly, and bad bytes are refused without harm.
@Suite struct HartSnapshotTests {
    static func hart() throws -> Hart {
        let clock = GuestClock()
        let context = MachineContext(ram: try GuestRAM(basePhysicalAddress: 0x8000_0000, size: 1 << 20), bus: PhysicalBus(),
                                     clock: clock, clint: CLINT(hartCount: 1, clock: clock))
        return try Hart(hartID: 0, machine: context)
    }

    static func saved(_ hart: Hart) -> [UInt8] {
        var out = SnapshotWriter()
        hart.saveState(into: &out)
        return out.bytes
    }

    /// A hart with every register different, in U-mode with Sv39 on.
    static func busyHart() throws -> Hart {
        let hart = try hart()
        for i in 1..<32 { hart.x[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }
        for i in 0..<32 { hart.f[i] = UInt64(i) &* 0xC2B2_AE3D_27D4_EB4F }
        hart.floatingPointControl = 0b101_10101
        hart.enterUserMode(entry: 0x1234_5678, rootPage: 0x80100)
        return hart
    }

    @Test func aRestoredHartSavesTheSameBytes() throws {
        let original = try Self.busyHart()
        let bytes = Self.saved(original)
        let copy = try Self.hart()
        var input = SnapshotReader(bytes, what: "hart 0")
        try copy.restoreState(from: &input)
        try input.finish()
        #expect(Self.saved(copy) == bytes)
        #expect(copy.pc == 0x1234_5678 && copy.privilege == .user && copy.x[31] == original.x[31] && copy.floatingPointControl == 0b101_10101)
    }

    @Test func everyTruncationIsAnErrorAndLeavesTheHartAsItWas() throws {
        let bytes = Self.saved(try Self.busyHart())
        let target = try Self.hart()
        let before = Self.saved(target)
        for length in 0..<bytes.count {
            var input = SnapshotReader(Array(bytes[0..<length]), what: "hart 0")
            #expect(throws: SnapshotError.self) { try target.restoreState(from: &input) }
        }
        #expect(Self.saved(target) == before)
    }

    @Test func anotherVersionOrAnImpossibleValueIsRefused() throws {
        var bytes = Self.saved(try Self.busyHart())
        bytes[0] = 3
        var input = SnapshotReader(bytes, what: "hart 0")
        #expect(throws: SnapshotError.invalid(what: "hart 0", reason: "hart state version 3; this Isola reads 1 to 2")) {
            try Self.hart().restoreState(from: &input)
        }
        var privilege = Self.saved(try Self.busyHart())
        privilege[4 + 4 + 256 + 4 + 256 + 8] = 2  // no privilege mode 2
        var second = SnapshotReader(privilege, what: "hart 0")
        #expect(throws: SnapshotError.self) { try Self.hart().restoreState(from: &second) }
    }

    /// Version 1 had no triggers: it restores with none armed, and saves again as version 2.
    @Test func aVersionOneHartRestoresWithoutTriggers() throws {
        let current = Self.saved(try Self.busyHart())
        let triggerBytes = 8 + 2 * (4 + 8 * TriggerModule.count)
        var old = Array(current.dropLast(triggerBytes))
        old[0] = 1
        let hart = try Self.hart()
        var input = SnapshotReader(old, what: "hart 0")
        try hart.restoreState(from: &input)
        try input.finish()
        #expect(Self.saved(hart) == current)
    }
}
