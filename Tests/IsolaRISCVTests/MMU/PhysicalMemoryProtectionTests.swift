import IsolaRISCV
import Testing

/// PMP matching and permissions as privileged spec 3.7 defines them, entry by entry.
@Suite struct PhysicalMemoryProtectionTests {
    typealias PMP = PhysicalMemoryProtection

    @Test func withNoEntryMachineModeMayAndTheOthersMayNot() {
        let pmp = PMP()
        #expect(!pmp.anyActive)
        #expect(pmp.allows(0x8000_0000, length: 8, access: .write, privilege: .machine))
        #expect(!pmp.allows(0x8000_0000, length: 8, access: .read, privilege: .supervisor))
        #expect(!pmp.allows(0x8000_0000, length: 1, access: .fetch, privilege: .user))
    }

    @Test func torCoversFromThePreviousAddressUpToItsOwn() {
        var pmp = PMP()
        pmp.writeAddress(0, 0x8000_0000 >> 2)
        pmp.writeAddress(1, 0x8001_0000 >> 2)
        pmp.writeConfig(1, PMP.tor | PMP.r | PMP.x)
        #expect(pmp.range(1)! == (0x8000_0000, 0x8001_0000))
        #expect(pmp.allows(0x8000_0000, length: 4, access: .read, privilege: .supervisor))
        #expect(pmp.allows(0x8000_FFFC, length: 4, access: .fetch, privilege: .user))
        #expect(!pmp.allows(0x8000_1000, length: 4, access: .write, privilege: .supervisor), "no W in the entry")
        #expect(!pmp.allows(0x8001_0000, length: 4, access: .read, privilege: .supervisor), "the top is exclusive")
        #expect(!pmp.allows(0x7FFF_FFFC, length: 4, access: .read, privilege: .supervisor))
        // TOR of entry 0 starts at 0.
        pmp.writeAddress(0, 0x1000 >> 2)
        pmp.writeConfig(0, PMP.tor | PMP.r)
        #expect(pmp.range(0)! == (0, 0x1000))
    }

    @Test func na4AndNapotCoverTheirNaturalRegions() {
        var pmp = PMP()
        pmp.writeAddress(0, 0x8000_0010 >> 2)
        pmp.writeConfig(0, PMP.na4 | PMP.r | PMP.w)
        #expect(pmp.range(0)! == (0x8000_0010, 0x8000_0014))
        // NAPOT: trailing ones in pmpaddr give the size; 0x8000_0000 + 64 KiB.
        pmp.writeAddress(1, (0x8000_0000 >> 2) | ((0x1_0000 >> 3) - 1))
        pmp.writeConfig(1, PMP.napot | PMP.r)
        #expect(pmp.range(1)! == (0x8000_0000, 0x8001_0000))
        #expect(pmp.allows(0x8000_0010, length: 4, access: .write, privilege: .user), "entry 0 matches first")
        #expect(!pmp.allows(0x8000_0020, length: 4, access: .write, privilege: .user), "entry 1 has no W")
        #expect(pmp.allows(0x8000_FFF8, length: 8, access: .read, privilege: .user))
        // All ones: the whole address space.
        pmp.writeAddress(2, PMP.addressMask)
        pmp.writeConfig(2, PMP.napot | PMP.x)
        #expect(pmp.range(2)! == (0, .max))
        #expect(pmp.allows(0xFFFF_F000, length: 4, access: .fetch, privilege: .user))
    }

    @Test func anAccessAcrossAnEntrysEdgeFailsEvenInMachineMode() {
        var pmp = PMP()
        pmp.writeAddress(0, 0x8000_1000 >> 2)
        pmp.writeConfig(0, PMP.tor | PMP.r | PMP.w | PMP.x)
        #expect(!pmp.allows(0x8000_0FFC, length: 8, access: .read, privilege: .supervisor))
        #expect(!pmp.allows(0x8000_0FFC, length: 8, access: .read, privilege: .machine))
        #expect(pmp.allows(0x8000_0FF8, length: 8, access: .read, privilege: .machine))
    }

    @Test func theLockBindsMachineModeAndFreezesTheEntry() {
        var pmp = PMP()
        pmp.writeAddress(0, 0x8000_0000 >> 2)
        pmp.writeAddress(1, 0x8000_1000 >> 2)
        pmp.writeConfig(1, PMP.tor | PMP.r | PMP.lock)
        #expect(!pmp.allows(0x8000_0000, length: 4, access: .write, privilege: .machine), "a locked entry binds M-mode")
        #expect(pmp.allows(0x8000_0000, length: 4, access: .read, privilege: .machine))
        pmp.writeConfig(1, PMP.tor | PMP.r | PMP.w)
        pmp.writeAddress(1, 0)
        #expect(pmp.config[1] == PMP.tor | PMP.r | PMP.lock && pmp.address[1] == 0x8000_1000 >> 2, "a locked entry ignores writes")
        #expect(pmp.isLocked(0), "the bottom of a locked TOR entry is locked too")
        pmp.writeAddress(0, 0x1234)
        #expect(pmp.address[0] == 0x8000_0000 >> 2)
        // Unlocked, M-mode passes whatever the permissions say.
        var open = PMP()
        open.writeAddress(0, PMP.addressMask)
        open.writeConfig(0, PMP.napot)
        #expect(open.allows(0x8000_0000, length: 4, access: .write, privilege: .machine))
        #expect(!open.allows(0x8000_0000, length: 4, access: .read, privilege: .supervisor))
    }

    @Test func writeWithoutReadAndTheReservedBitsAreNotKept() {
        var pmp = PMP()
        pmp.writeConfig(0, PMP.napot | PMP.w | 0x60)
        #expect(pmp.config[0] == PMP.napot, "W without R is reserved (W cleared); bits 5-6 read as zero")
        pmp.writeAddress(0, .max)
        #expect(pmp.address[0] == PMP.addressMask, "pmpaddr holds bits 55:2")
    }
}
