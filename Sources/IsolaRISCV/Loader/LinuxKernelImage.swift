/// The header of a RISC-V Linux `Image` (Documentation/riscv/boot-image-header.rst):
/// where the kernel wants to sit in RAM and how much room it needs.
public struct LinuxKernelImage {
    /// Offset from the start of RAM at which the image must be loaded.
    public let textOffset: UInt64
    /// Bytes the kernel occupies once running (bss included).
    public let imageSize: UInt64
    public let bytes: [UInt8]

    static let magic2: [UInt8] = [0x52, 0x53, 0x43, 0x05]  // "RSC\x05" at 0x38

    public init(bytes: [UInt8], path: String) throws(LoaderError) {
        guard bytes.count >= 64 else { throw .truncated(path: path) }
        guard Array(bytes[0x38..<0x3C]) == LinuxKernelImage.magic2 else {
            if ELFImage.isELF(bytes) {
                throw .unsupported(path: path, reason: "an ELF file; --kernel takes a RISC-V Linux Image (arch/riscv/boot/Image)")
            }
            throw .unsupported(path: path, reason: "not a RISC-V Linux Image (no 'RSC\\x05' magic at 0x38)")
        }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
        let offset = u64(0x08)
        textOffset = offset == 0 ? 0x20_0000 : offset
        imageSize = max(u64(0x10), UInt64(bytes.count))
        self.bytes = bytes
    }
}
