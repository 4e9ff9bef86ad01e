import IsolaCore
import IsolaRISCV
import Testing

@Suite struct ELFImageTests {
    func header(machine: UInt16 = 243, class elfClass: UInt8 = 2) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 64)
        h[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        h[4] = elfClass
        h[5] = 1
        h[16] = 2  // ET_EXEC
        h[18] = UInt8(machine & 0xFF)
        h[19] = UInt8(machine >> 8)
        return h
    }

    @Test func refusesNonELF() {
        #expect(throws: LoaderError.notELF(path: "x")) { try ELFImage(bytes: [1, 2, 3, 4, 5], path: "x") }
    }

    @Test func refusesOtherMachines() {
        #expect(throws: LoaderError.wrongMachine(path: "x", machine: 62)) { try ELFImage(bytes: header(machine: 62), path: "x") }
    }

    @Test func refuses32BitAndTruncated() {
        #expect(throws: LoaderError.self) { try ELFImage(bytes: header(class: 1), path: "x") }
        #expect(throws: LoaderError.truncated(path: "x")) { try ELFImage(bytes: Array(header().prefix(40)), path: "x") }
    }

    @Test func refusesHeaderPointingOutsideTheFile() {
        var h = header()
        h[32] = 0xFF; h[33] = 0xFF; h[34] = 0xFF  // e_phoff far beyond the end
        h[56] = 1  // one program header
        #expect(throws: LoaderError.truncated(path: "x")) { try ELFImage(bytes: h, path: "x") }
    }

    @Test func rawImageGoesToTheStartOfRAM() throws {
        let ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: 1 << 20)
        let loaded = try BootImageLoader.load(bytes: [0x13, 0, 0, 0], path: "raw", into: ram)
        #expect(loaded.entry == 0x8000_0000)
        #expect(ram.read(at: 0x8000_0000, length: 4) == [0x13, 0, 0, 0])
    }

    @Test func rawImageLargerThanRAMIsRefused() throws {
        let ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: 4096)
        #expect(throws: LoaderError.self) {
            try BootImageLoader.load(bytes: [UInt8](repeating: 0, count: 8192), path: "raw", into: ram)
        }
    }
}
