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
        With no --kernel and no --bios, boots the default Linux image built by \
        'isola images build'. --kernel boots a Linux Image in S-mode with the built-in SBI \
        firmware (para-virtualized); add --bios to run real M-mode firmware such as OpenSBI's \
        fw_jump.bin first (fully virtualized). --bios alone runs firmware or a bare-metal program: \
        an ELF by its physical addresses, anything else as a raw binary at 0x80000000.

        Console: on a terminal, Ctrl-A X quits and Ctrl-A C opens the monitor prompt \
        ('info registers', 'stop' to pause and 'cont' to resume, 'quit'); Ctrl-A Ctrl-A sends Ctrl-A.

        Exit status: 0 after the guest powers off, the guest's code after a test-finisher \
        or HTIF failure, 1 after a crash the monitor detects, 2 for bad arguments or images.
        """
    )

    @Argument(help: ArgumentHelp("A VM bundle to boot: NAME (NAME.isola here) or a path to a .isola directory made by 'isola create'. Without it, the options below describe the VM.", valueName: "vm"))
    var vm: String?

    @OptionGroup var machine: MachineOptions

    @Option(name: .long, help: "Where guest console output goes: stdio, none or file:PATH.")
    var console: String = "stdio"

    @Option(name: .long, help: "Write the generated device tree (DTB) to FILE and exit.")
    var dumpDtb: String?

    @Flag(name: .long, help: "Print each retired instruction (pc, disassembly, written register) to stderr.")
    var trace = false

    @Flag(name: .long, help: "Print instructions retired, time, MIPS and the guest's boot time to stderr on exit.")
    var stats = false

    @Flag(name: .shortAndLong, help: "Log what the monitor does (machine set-up, how the guest ended) to stderr.")
    var verbose = false

    func run() throws {
        do {
            try runMachine()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.restore()
            HostOutput.standardError.write("isola: \(error)\n")
            throw ExitCode(2)
        }
    }

    private func consoleOutput() throws -> HostOutput {
        switch console {
        case "stdio": return .standardOutput
        case "none": return .discard
        default:
            guard console.hasPrefix("file:"), console.count > 5 else {
                throw CoreError.invalidConfiguration(field: "console", reason: "'\(console)': expected stdio, none or file:PATH")
            }
            return try .file(String(console.dropFirst(5)))
        }
    }

    private func runMachine() throws {
        let configuration: RISCVMachine.Configuration
        let boot: BootSource
        if let vm {
            guard machine.isEmpty else {
                throw ValidationError("a VM bundle brings its own configuration: give either \(vm) or machine options, not both")
            }
            (configuration, boot) = try VMBundle.open(VMBundle.path(naming: vm)).machine()
        } else {
            let file = try machine.configurationFile(name: machine.name ?? "isola")
            (configuration, boot) = (try file.machineConfiguration(relativeTo: HostDirectory.current ?? "."),
                                     try file.bootSource(relativeTo: HostDirectory.current ?? "."))
        }
        try configuration.validate()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "isola.vmm")
        logger.logLevel = verbose ? .info : .warning

        let output = ConsoleOutput(output: try consoleOutput())
        let vm = try VirtualMachine(configuration: configuration, boot: boot, console: output, logger: logger)
        if let dumpDtb {
            var tree = vm.machine.deviceTree()
            if case let .linux(_, _, arguments) = boot { tree.bootArguments = arguments }
            try HostOutput.write(tree.encoded(), toFile: dumpDtb)
            return
        }
        if trace {
            let tracer = InstructionTracer()
            for hart in vm.machine.harts { hart.tracer = tracer }
        }
        try output.startPeriodicFlush()
        let console = InteractiveConsole(vm: vm)
        try console.start()
        let result = try vm.run()
        console.finish()
        report(result)
        throw ExitCode(result.exitStatus)
    }

    private func report(_ result: VirtualMachine.Result) {
        switch result.outcome {
        case let .crashed(reason): HostOutput.standardError.write("isola: guest crashed: \(reason)\n")
        case .reset: HostOutput.standardError.write("isola: guest asked for a reset; stopped\n")
        default: break
        }
        if stats {
            let mips = Double(result.instructionsRetired) / result.seconds / 1e6
            var line = "isola: \(result.instructionsRetired) instructions in \(format3(result.seconds)) s, \(format1(mips)) MIPS"
            if let boot = result.bootNanoseconds { line += ", boot to init \(format1(Double(boot) / 1e6)) ms" }
            HostOutput.standardError.write(line + "\n")
        }
    }
}

func format3(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
func format1(_ v: Double) -> String { String((v * 10).rounded() / 10) }
