import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM

/// The options that describe a VM, shared by `isola run` (without a bundle) and `isola create`.
struct MachineOptions: ParsableArguments {
    @Option(name: .long, help: "Linux kernel Image (arch/riscv/boot/Image); with --bios, any raw S-mode program.")
    var kernel: String?

    @Option(name: .long, help: "Initial ramdisk for the kernel.")
    var initrd: String?

    @Option(name: .long, help: "Kernel command line.")
    var append: String?

    @Option(name: .long, help: "M-mode firmware (e.g. OpenSBI fw_jump.bin) or a bare-metal program (ELF or raw binary).")
    var bios: String?

    @Option(name: .long, help: "Guest RAM size, e.g. 256M or 1G (default 256M).")
    var memory: String?

    @Option(name: .long, help: "Number of harts, any number whatever the host has (default 1).")
    var cpus: Int?

    @Option(name: .long, help: ArgumentHelp("A disk image as a virtio-blk disk (repeatable): raw or qcow2 (probed unless format= names it); readonly shares it between VMs.", valueName: "path[,readonly][,format=raw|qcow2]"))
    var disk: [String] = []

    @Option(name: .long, help: ArgumentHelp("A network interface as virtio-net (repeatable): switch:NAME[,mac=..] joins the virtual switch NAME, shared by every VM that names it; tap:IFNAME attaches to a host TAP interface.", valueName: "switch:name|tap:ifname"))
    var net: [String] = []

    @Option(name: .long, help: ArgumentHelp("A host directory the guest mounts by TAG as virtio-fs (repeatable): mount -t virtiofs TAG /mnt; readonly refuses every change.", valueName: "hostdir:tag[,readonly]"))
    var share: [String] = []

    /// Whether no option was given (a bundle's configuration must not be mixed with options).
    var isEmpty: Bool {
        kernel == nil && initrd == nil && append == nil && bios == nil && memory == nil && cpus == nil
            && disk.isEmpty && net.isEmpty && share.isEmpty
    }

    /// The options as a bundle's configuration; disk arguments keep their `--disk` syntax's meaning.
    func configurationFile(name: String) throws(CoreError) -> VMConfigurationFile {
        var disks: [VMConfigurationFile.Disk] = []
        for argument in disk {
            let parsed = try RISCVMachine.Configuration.Disk(argument: argument)
            disks.append(.init(path: parsed.path, readonly: parsed.readOnly ? true : nil, format: parsed.format?.rawValue))
        }
        var file = VMConfigurationFile(name: name, memory: memory ?? "256M", cpus: cpus ?? 1, kernel: kernel, initrd: initrd,
                                       append: append, bios: bios, disks: disks, networks: net)
        if !share.isEmpty {
            file.shares = []
            for argument in share {
                let parsed = try RISCVMachine.Configuration.SharedDirectory(argument: argument)
                file.shares?.append(.init(path: parsed.path.hasPrefix("/") ? parsed.path : (HostDirectory.current ?? ".") + "/" + parsed.path, tag: parsed.tag, readonly: parsed.readOnly ? true : nil))
            }
        }
        return file
    }
}
