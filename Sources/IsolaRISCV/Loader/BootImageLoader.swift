import IsolaCore
import IsolaHost

/// Puts a firmware or bare-metal program into guest RAM: an ELF by its segments'
/// physical addresses, anything else as a raw binary at the start of RAM.
public enum BootImageLoader {
    public struct Loaded {
        public let entry: UInt64
        public let symbols: [String: UInt64]
        /// The first address past the image (where a next stage may go).
        public let end: UInt64
    }

    public static func load(path: String, into ram: GuestRAM) throws -> Loaded {
        let bytes = try HostFile.readAll(path)
        guard !bytes.isEmpty else { throw LoaderError.empty(path: path) }
        return try load(bytes: bytes, path: path, into: ram)
    }

    public static func load(bytes: [UInt8], path: String, into ram: GuestRAM) throws(LoaderError) -> Loaded {
        let ramEnd = ram.endPhysicalAddress
        if ELFImage.isELF(bytes) {
            let elf = try ELFImage(bytes: bytes, path: path)
            var end: UInt64 = 0
            for segment in elf.segments {
                guard ram.contains(segment.physicalAddress, length: max(segment.memorySize, 1)) else {
                    throw .outsideRAM(path: path, address: segment.physicalAddress, length: segment.memorySize,
                                      ramBase: ram.basePhysicalAddress, ramEnd: ramEnd)
                }
                do {
                    try ram.write(Array(segment.fileBytes), at: segment.physicalAddress)
                    let bss = segment.memorySize - UInt64(segment.fileBytes.count)
                    if bss > 0 { try ram.zero(at: segment.physicalAddress + UInt64(segment.fileBytes.count), length: bss) }
                } catch {
                    throw .outsideRAM(path: path, address: segment.physicalAddress, length: segment.memorySize,
                                      ramBase: ram.basePhysicalAddress, ramEnd: ramEnd)
                }
                end = max(end, segment.physicalAddress + segment.memorySize)
            }
            guard ram.contains(elf.entry, length: 2) else {
                throw .entryOutsideRAM(path: path, entry: elf.entry, ramBase: ram.basePhysicalAddress, ramEnd: ramEnd)
            }
            return Loaded(entry: elf.entry, symbols: elf.symbols, end: end)
        }
        let base = ram.basePhysicalAddress
        guard ram.contains(base, length: UInt64(bytes.count)) else {
            throw .outsideRAM(path: path, address: base, length: UInt64(bytes.count), ramBase: base, ramEnd: ramEnd)
        }
        do { try ram.write(bytes, at: base) } catch {
            throw .outsideRAM(path: path, address: base, length: UInt64(bytes.count), ramBase: base, ramEnd: ramEnd)
        }
        return Loaded(entry: base, symbols: [:], end: base + UInt64(bytes.count))
    }
}
