/// What `--kernel` names: a Linux `Image`, which says where it wants to sit and how
/// much room it needs; or, behind real M-mode firmware, any raw S-mode program (U-Boot's
/// S-mode build, a bare-metal kernel) placed where OpenSBI's fw_jump jumps, as QEMU's
/// `-kernel` does. The built-in SBI boots Linux Images only: it knows the Linux boot
/// protocol, not what another payload expects.
public struct SupervisorPayload {
    public let bytes: [UInt8]
    /// Offset from the start of RAM at which the payload goes (nil: the firmware's jump address).
    public let textOffset: UInt64?
    /// Bytes it occupies once running: the Image header's size, or the file's for a raw payload.
    public let imageSize: UInt64
    public let isLinuxImage: Bool

    public init(bytes: [UInt8], path: String, rawAllowed: Bool) throws(LoaderError) {
        do {
            let image = try LinuxKernelImage(bytes: bytes, path: path)
            self.bytes = image.bytes
            textOffset = image.textOffset
            imageSize = image.imageSize
            isLinuxImage = true
        } catch let error {
            guard rawAllowed else {
                guard case let .unsupported(path, reason) = error else { throw error }
                throw .unsupported(path: path, reason: reason + "; other S-mode programs boot behind M-mode firmware (add --bios, e.g. OpenSBI's fw_jump.bin)")
            }
            guard !ELFImage.isELF(bytes) else {
                throw .unsupported(path: path, reason: "an ELF file; behind --bios, --kernel takes a Linux Image or a raw binary (objcopy -O binary)")
            }
            guard !bytes.isEmpty else { throw .empty(path: path) }
            self.bytes = bytes
            textOffset = nil
            imageSize = UInt64(bytes.count)
            isLinuxImage = false
        }
    }
}
