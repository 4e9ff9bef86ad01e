/// What the loaders need from an ELF64 RISC-V executable: its loadable segments,
/// entry point and symbols (for HTIF's `tohost`).
public struct ELFImage {
    public struct Segment {
        public let physicalAddress: UInt64
        /// Where a program (process VM) maps the segment, before any load bias.
        public let virtualAddress: UInt64
        public let fileBytes: ArraySlice<UInt8>
        public let memorySize: UInt64
        /// PF_X 1, PF_W 2, PF_R 4.
        public let flags: UInt32
    }

    public let entry: UInt64
    public let segments: [Segment]
    public let symbols: [String: UInt64]
    /// ET_DYN (position-independent: loaded at a bias) rather than ET_EXEC.
    public let isPositionIndependent: Bool
    /// The PT_INTERP path of a dynamically linked program.
    public let interpreter: String?
    /// The program headers' file offset, entry size and count (for AT_PHDR, AT_PHENT, AT_PHNUM).
    public let programHeaderOffset: UInt64, programHeaderEntrySize: UInt16, programHeaderCount: UInt16

    static let machineRISCV: UInt16 = 243

    /// Whether `bytes` start with the ELF magic.
    public static func isELF(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x7F && bytes[1] == 0x45 && bytes[2] == 0x4C && bytes[3] == 0x46
    }

    public init(bytes: [UInt8], path: String) throws(LoaderError) {
        func u16(_ o: Int) throws(LoaderError) -> UInt16 {
            guard o >= 0, o + 2 <= bytes.count else { throw .truncated(path: path) }
            return UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
        }
        func u32(_ o: Int) throws(LoaderError) -> UInt32 {
            guard o >= 0, o + 4 <= bytes.count else { throw .truncated(path: path) }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) }
        }
        func u64(_ o: Int) throws(LoaderError) -> UInt64 {
            guard o >= 0, o + 8 <= bytes.count else { throw .truncated(path: path) }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) }
        }
        func offset(_ v: UInt64) throws(LoaderError) -> Int {
            guard v <= UInt64(bytes.count) else { throw .truncated(path: path) }
            return Int(v)
        }
        guard ELFImage.isELF(bytes) else { throw .notELF(path: path) }
        guard bytes.count >= 64 else { throw .truncated(path: path) }
        guard bytes[4] == 2 else { throw .unsupported(path: path, reason: "32-bit ELF; Isola runs RV64 (ELFCLASS64)") }
        guard bytes[5] == 1 else { throw .unsupported(path: path, reason: "big-endian ELF; RISC-V is little-endian") }
        let machine = try u16(18)
        guard machine == ELFImage.machineRISCV else {
            throw .wrongMachine(path: path, machine: machine)
        }
        let type = try u16(16)
        guard type == 2 || type == 3 else { throw .unsupported(path: path, reason: "ELF type \(type) is not an executable") }
        entry = try u64(24)
        let phoff = try offset(try u64(32))
        let shoff = try offset(try u64(40))
        let phentsize = Int(try u16(54)), phnum = Int(try u16(56))
        let shentsize = Int(try u16(58)), shnum = Int(try u16(60))

        isPositionIndependent = type == 3
        programHeaderOffset = UInt64(phoff)
        programHeaderEntrySize = UInt16(phentsize)
        programHeaderCount = UInt16(phnum)
        var segments: [Segment] = []
        var interpreter: String?
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            if try u32(p) == 3 {  // PT_INTERP: a NUL-terminated path
                let start = try offset(try u64(p + 8)), size = try u64(p + 32)
                guard size > 1, size <= 4096, size <= UInt64(bytes.count - start) else { throw .truncated(path: path) }
                interpreter = String(decoding: bytes[start..<start + Int(size) - 1], as: UTF8.self)
            }
            guard try u32(p) == 1 else { continue }  // PT_LOAD
            let fileOffset = try offset(try u64(p + 8))
            let flags = try u32(p + 4)
            let vaddr = try u64(p + 16)
            let paddr = try u64(p + 24)
            let fileSize = try u64(p + 32)
            let memorySize = try u64(p + 40)
            guard fileSize <= memorySize, fileSize <= UInt64(bytes.count - fileOffset) else { throw .truncated(path: path) }
            segments.append(Segment(physicalAddress: paddr, virtualAddress: vaddr,
                                    fileBytes: bytes[fileOffset..<fileOffset + Int(fileSize)], memorySize: memorySize, flags: flags))
        }
        self.interpreter = interpreter
        guard !segments.isEmpty else { throw .unsupported(path: path, reason: "no loadable segments") }
        self.segments = segments

        // Symbols are optional; a stripped image simply has none.
        var symbols: [String: UInt64] = [:]
        if shoff != 0 {
            for i in 0..<shnum {
                let s = shoff + i * shentsize
                guard try u32(s + 4) == 2 else { continue }  // SHT_SYMTAB
                let symOffset = try offset(try u64(s + 24)), symSize = try u64(s + 32)
                let entrySize = max(Int(try u64(s + 56)), 24)
                let link = Int(try u32(s + 40))
                guard link < shnum else { break }
                let strOffset = try offset(try u64(shoff + link * shentsize + 24))
                let count = Int(min(symSize, UInt64(bytes.count))) / entrySize
                for j in 0..<count {
                    let e = symOffset + j * entrySize
                    let nameOffset = strOffset + Int(try u32(e))
                    guard nameOffset < bytes.count else { continue }
                    var end = nameOffset
                    while end < bytes.count && bytes[end] != 0 { end += 1 }
                    let name = String(decoding: bytes[nameOffset..<end], as: UTF8.self)
                    if !name.isEmpty { symbols[name] = try u64(e + 8) }
                }
                break
            }
        }
        self.symbols = symbols
    }
}

/// Errors of loading guest images, each naming the file.
public enum LoaderError: Error, CustomStringConvertible, Equatable {
    case notELF(path: String)
    case truncated(path: String)
    case wrongMachine(path: String, machine: UInt16)
    case unsupported(path: String, reason: String)
    case outsideRAM(path: String, address: UInt64, length: UInt64, ramBase: UInt64, ramEnd: UInt64)
    case entryOutsideRAM(path: String, entry: UInt64, ramBase: UInt64, ramEnd: UInt64)
    case empty(path: String)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case let .notELF(path): return "\(path): not an ELF file"
        case let .truncated(path): return "\(path): truncated or corrupt ELF file"
        case let .wrongMachine(path, machine):
            return "\(path): ELF for another machine (e_machine \(machine)); expected RISC-V (243)"
        case let .unsupported(path, reason): return "\(path): \(reason)"
        case let .outsideRAM(path, address, length, base, end):
            return "\(path): segment at \(hex(address))+\(hex(length)) lies outside guest RAM \(hex(base))-\(hex(end))"
        case let .entryOutsideRAM(path, entry, base, end):
            return "\(path): entry point \(hex(entry)) lies outside guest RAM \(hex(base))-\(hex(end))"
        case let .empty(path): return "\(path): file is empty"
        }
    }
}
