import IsolaCore
import IsolaRISCV
import Testing

/// Sv39 walks as privileged spec 4.3.2 defines them, on page tables written into RAM.
@Suite struct PageTableWalkerTests {
    static let ram = 0x8000_0000 as UInt64
    static let root = ram + 0x1_0000
    static let (v, r, w, x, u, a, d): (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (1, 2, 4, 8, 16, 64, 128)
    static let loadPageFault: UInt64 = 13, storePageFault: UInt64 = 15, fetchPageFault: UInt64 = 12, loadAccessFault: UInt64 = 5

    let hart: Hart
    let context: MachineContext

    init() throws {
        let clock = GuestClock()
        context = MachineContext(ram: try GuestRAM(basePhysicalAddress: Self.ram, size: 1 << 20), bus: PhysicalBus(),
                                 clock: clock, clint: CLINT(hartCount: 1, clock: clock))
        hart = try Hart(hartID: 0, machine: context)
        hart.enterUserMode(entry: 0, rootPage: Self.root >> 12)  // Sv39 on, PMP open
    }

    func pte(_ table: UInt64, _ index: UInt64, physical: UInt64, _ flags: UInt64) throws {
        let entry = (physical >> 12) << 10 | flags
        try context.ram.write((0..<8).map { UInt8(truncatingIfNeeded: entry >> (8 * $0)) }, at: table + index * 8)
    }

    func entry(_ table: UInt64, _ index: UInt64) throws -> UInt64 {
        try #require(context.ram.read(at: table + index * 8, length: 8)).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// VA 0x4000_1000 (VPN 1, 0, 1) as a 4 KiB user page at RAM + 0x2_0000.
    func mapUserPage(_ flags: UInt64) throws -> UInt64 {
        let l1 = Self.ram + 0x1_1000, l0 = Self.ram + 0x1_2000
        try pte(Self.root, 1, physical: l1, Self.v)
        try pte(l1, 0, physical: l0, Self.v)
        try pte(l0, 1, physical: Self.ram + 0x2_0000, flags)
        return l0
    }

    @Test func aFourKilobytePageAndItsAccessedAndDirtyBits() throws {
        let l0 = try mapUserPage(Self.v | Self.r | Self.w | Self.u)
        #expect(hart.walk(0x4000_1234, for: .read, at: .user) == .physical(Self.ram + 0x2_0234))
        #expect(try entry(l0, 1) & (Self.a | Self.d) == Self.a, "a read sets A only")
        #expect(hart.walk(0x4000_1FF8, for: .write, at: .user) == .physical(Self.ram + 0x2_0FF8))
        #expect(try entry(l0, 1) & (Self.a | Self.d) == Self.a | Self.d, "a write sets D")
        #expect(hart.walk(0x4000_1000, for: .fetch, at: .user) == .fault(cause: Self.fetchPageFault), "no X")
        #expect(hart.walk(0x4000_2000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "the next page is not mapped")
    }

    @Test func userAndSupervisorPagesKeepTheirOwners() throws {
        _ = try mapUserPage(Self.v | Self.r | Self.x | Self.u)
        #expect(hart.walk(0x4000_1000, for: .read, at: .supervisor) == .fault(cause: Self.loadPageFault), "S touches a U page only with SUM")
        #expect(hart.walk(0x4000_1000, for: .fetch, at: .supervisor) == .fault(cause: Self.fetchPageFault), "S never runs U code")
        _ = try mapUserPage(Self.v | Self.r | Self.x)
        #expect(hart.walk(0x4000_1000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "U never touches an S page")
        #expect(hart.walk(0x4000_1000, for: .fetch, at: .supervisor) == .physical(Self.ram + 0x2_0000))
        #expect(hart.walk(0x4000_1000, for: .read, at: .machine) == .physical(0x4000_1000), "M-mode does not translate")
    }

    @Test func megapagesMustBeAligned() throws {
        let l1 = Self.ram + 0x1_3000
        try pte(Self.root, 2, physical: l1, Self.v)
        try pte(l1, 0, physical: 0x8020_0000, Self.v | Self.r | Self.u | Self.a)
        try pte(l1, 1, physical: 0x8020_1000, Self.v | Self.r | Self.u | Self.a)
        #expect(hart.walk(0x8012_3456, for: .read, at: .user) == .physical(0x8032_3456))
        #expect(hart.walk(0x8020_0000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "a misaligned superpage")
    }

    @Test func malformedEntriesAndAddressesFault() throws {
        let l0 = try mapUserPage(Self.v | Self.w | Self.u)
        #expect(hart.walk(0x4000_1000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "W without R is reserved")
        try pte(l0, 1, physical: Self.ram + 0x2_0000, Self.v | Self.r | Self.u | (1 << 60))
        #expect(hart.walk(0x4000_1000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "reserved high bits")
        try pte(l0, 1, physical: Self.ram + 0x2_0000, Self.r | Self.u)
        #expect(hart.walk(0x4000_1000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "not valid")
        #expect(hart.walk(0x0000_0080_0000_0000, for: .read, at: .user) == .fault(cause: Self.loadPageFault), "not sign-extended from bit 38")
        try pte(l0, 1, physical: 0, Self.v)  // a pointer to a next level below a leaf level
        #expect(hart.walk(0x4000_1000, for: .read, at: .user) == .fault(cause: Self.loadPageFault))
        // A table outside RAM is an access fault, not a page fault, and touches nothing.
        try pte(Self.root, 3, physical: 0x1000, Self.v)
        #expect(hart.walk(0xC000_0000, for: .read, at: .user) == .fault(cause: Self.loadAccessFault))
    }
}
