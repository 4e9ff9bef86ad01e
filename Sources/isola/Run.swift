import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Logging

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boot a RISC-V virtual machine.",
        discussion: """
        With no --kernel, --bios or --initrd, boots the Linux that the first disk with an \
        extlinux/extlinux.conf (or boot/extlinux/extlinux.conf, on an ext2/3/4 file system, \
        on the bootable partition) names: its default label's kernel, initrds and append line \
        (--append replaces it), read from the disk and started by the built-in SBI; with no \
        such disk, the default Linux image built by 'isola images build'. --kernel boots a Linux Image in S-mode with the built-in SBI \
        firmware (para-virtualized); add --bios to run real M-mode firmware such as OpenSBI's \
        fw_jump.bin first (fully virtualized), and --kernel may then be any raw S-mode program \
        (U-Boot's qemu-riscv64_smode/u-boot.bin), placed at 0x80200000 where fw_jump jumps. \
        --bios alone runs firmware or a bare-metal program (U-Boot's qemu-riscv64/u-boot.bin): \
        an ELF by its physical addresses, anything else as a raw binary at 0x80000000; every \
        hart starts there with a0 = its hart ID and a1 = the device tree, as on QEMU's virt.

        Console: on a terminal, Ctrl-A X quits and Ctrl-A C opens the monitor prompt \
        ('info registers', 'stop' to pause and 'cont' to resume, 'savevm TAG' to save a snapshot, 'quit'); a VM run from a bundle also answers these on NAME.isola/monitor.sock (see 'isola snapshot'); Ctrl-A Ctrl-A sends Ctrl-A.

        Exit status: 0 after the guest powers off, the guest's code after a test-finisher \
        or HTIF failure, 1 after a crash the monitor detects, 2 for bad arguments or images.
        """
    )

    @Argument(help: ArgumentHelp("A VM bundle to boot: NAME (NAME.isola here) or a path to a .isola directory made by 'isola create'. Without it, the options below describe the VM.", valueName: "vm"))
    var vm: String?

    @OptionGroup var machine: MachineOptions

    /// Only here: a bundle's name is its directory's, and `vm create` takes it as its argument.
    @Option(name: .long, help: "The VM's name, from which MAC addresses are derived (default isola).")
    var name: String?

    @OptionGroup var session: SessionOptions

    @Option(name: .long, help: "Write the generated device tree (DTB) to FILE and exit.")
    var dumpDtb: String?

    @Flag(name: .long, help: "Print each retired instruction (pc, disassembly, written register) to stderr.")
    var trace = false

    func run() throws {
        try reportingErrors { try runMachine() }
    }

    private func runMachine() throws {
        let configuration: RISCVMachine.Configuration
        let boot: BootSource
        let bundle: VMBundle?
        let file: VMConfigurationFile
        if let vm {
            guard machine.isEmpty && name == nil else {
                throw ValidationError("a VM bundle brings its own configuration: give either \(vm) or machine options, not both")
            }
            let opened = try VMBundle.open(VMBundle.path(naming: vm))
            (configuration, boot) = try opened.machine()
            (bundle, file) = (opened, opened.configuration)
        } else {
            file = try machine.configurationFile(name: name ?? "isola")
            (configuration, boot, bundle) = (try file.machineConfiguration(relativeTo: HostDirectory.current ?? "."),
                                             try file.bootSource(relativeTo: HostDirectory.current ?? "."), nil)
        }
        try configuration.validate()
        let output = try session.consoleOutput()
        let tracer = trace ? InstructionTracer() : nil
        let logger = session.logger()  // the logging system is set up once per process
        let makeVM = {
            let vm = try VirtualMachine(configuration: session.applying(to: configuration), boot: boot, console: output, logger: logger)
            if let tracer { for hart in vm.machine.harts { hart.tracer = tracer } }
            return vm
        }
        let vm = try makeVM()
        if let dumpDtb {
            var tree = vm.machine.deviceTree()
            if case let .linux(_, _, arguments) = boot { tree.bootArguments = arguments }
            try HostOutput.write(tree.encoded(), toFile: dumpDtb)
            return
        }
        vm.install(policy: file.policy)
        try session.run(vm, output: output, bundle: bundle, file: file.resolvingBoot(boot), reboot: makeVM)
    }
}
