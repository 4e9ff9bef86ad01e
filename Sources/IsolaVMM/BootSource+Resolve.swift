import IsolaCore

extension BootSource {
    /// The kernel command line when none is given.
    public static let defaultBootArguments = "console=ttyS0 earlycon=sbi quiet"

    /// What a VM boots from its kernel, initrd, command line and firmware settings:
    /// a Linux kernel (with or without M-mode firmware), firmware alone, or, with
    /// neither, the default image that `isola images build` made.
    public static func resolve(kernel: String?, initrd: String?, append: String?, bios: String?) throws(CoreError) -> BootSource {
        let arguments = append ?? defaultBootArguments
        switch (kernel, bios) {
        case let (kernel?, bios?):
            return .firmwareWithLinux(firmware: bios, kernel: kernel, initrd: initrd, bootArguments: arguments)
        case let (kernel?, nil):
            return .linux(kernel: kernel, initrd: initrd, bootArguments: arguments)
        case let (nil, bios?):
            guard initrd == nil && append == nil else {
                throw .invalidConfiguration(field: "initrd", reason: "an initrd and a command line need a kernel")
            }
            return .firmware(path: bios)
        case (nil, nil):
            guard let image = GuestImages.defaultImage else {
                throw .invalidConfiguration(
                    field: "kernel", reason: "no kernel given and no default image in \(GuestImages.cacheDirectory)/images; run 'isola images build'")
            }
            return .linux(kernel: image.kernel, initrd: initrd ?? image.initramfs, bootArguments: arguments)
        }
    }
}
