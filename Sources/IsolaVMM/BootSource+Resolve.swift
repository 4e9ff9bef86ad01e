import IsolaCore
import IsolaRISCV

extension BootSource {
    /// The kernel command line when none is given.
    public static let defaultBootArguments = "console=ttyS0 earlycon=sbi quiet"

    /// What a VM boots from its kernel, initrd, command line, firmware and disks: a
    /// Linux kernel (with or without M-mode firmware), firmware alone, or, with neither
    /// (and no initrd), what the first disk with an extlinux.conf names, else the
    /// default image that `isola images build` made.
    public static func resolve(kernel: String?, initrd: String?, append: String?, bios: String?,
                               disks: [RISCVMachine.Configuration.Disk] = []) throws(CoreError) -> BootSource {
        if kernel == nil, bios == nil, initrd == nil,
           let disk = disks.first(where: { ExtlinuxBoot.locate(disk: $0) != nil }) {
            return .extlinux(disk: disk, bootArguments: append)
        }
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
                    field: "kernel", reason: "no kernel given, no extlinux.conf on a disk, and no default image in \(GuestImages.cacheDirectory)/images; run 'isola images build'")
            }
            return .linux(kernel: image.kernel, initrd: initrd ?? image.initramfs, bootArguments: arguments)
        }
    }
}
