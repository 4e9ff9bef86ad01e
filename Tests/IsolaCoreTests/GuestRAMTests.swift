import IsolaCore
import Testing

@Suite struct GuestRAMTests {
    @Test func containsChecksEveryByte() throws {
        let ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: 8192)
        #expect(ram.contains(0x8000_0000, length: 8192))
        #expect(!ram.contains(0x8000_0000, length: 8193))
        #expect(!ram.contains(0x7FFF_FFFF))
        #expect(!ram.contains(0x8000_2000))
        // An address whose offset would wrap around must not pass.
        #expect(!ram.contains(UInt64.max, length: 2))
        #expect(throws: CoreError.self) { try ram.write([1, 2], at: 0x8000_1FFF) }
    }

    @Test func memorySizes() throws {
        #expect(try MemorySize.parse("256M") == 256 << 20)
        #expect(try MemorySize.parse("1g") == 1 << 30)
        #expect(try MemorySize.parse("65536") == 65536)
        #expect(throws: CoreError.self) { try MemorySize.parse("lots") }
        #expect(throws: CoreError.self) { try MemorySize.parse("0") }
        #expect(throws: CoreError.self) { try MemorySize.parse("99999999999G") }
    }
}
