import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Logging

/// How a VM's run looks from the terminal, the same for `run` and `restore`.
struct SessionOptions: ParsableArguments {
    @Option(name: .long, help: "Where guest console output goes: stdio, none or file:PATH.")
    var console: String = "stdio"

    @Flag(name: .long, help: "Print instructions retired, time, MIPS and the guest's boot time to stderr on exit.")
    var stats = false

    @Option(name: .long, help: ArgumentHelp("How the harts run guest code: jit (the translator, the default on x86-64 Linux) or interpreter. Overrides a bundle's configuration.", valueName: "jit|interpreter"))
    var engine: ExecutionEngine?

    @Flag(name: .long, help: "Write /tmp/perf-PID.map naming translated code by guest address, for 'perf report'.")
    var perfMap = false

    @Flag(name: .shortAndLong, help: "Log what the monitor does (machine set-up, how the guest ended) to stderr.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Serve the GDB remote protocol on tcp:[HOST:]PORT (host 127.0.0.1 unless given; a bare [HOST:]PORT and QEMU's tcp::PORT work too) or unix:PATH: gdb-multiarch, 'target remote HOST:PORT'.", valueName: "tcp:[host:]port|unix:path"))
    var gdb: String?

    @Flag(name: .long, help: "With --gdb: hold the VM before its first instruction until the debugger continues it.")
    var gdbWait = false

    @Flag(name: .long, help: "End the VM when the guest reboots (exit status 0) instead of booting it again.")
    var noReboot = false

    /// The address `--gdb` names.
    func gdbEndpoint() throws -> GDBStub.Endpoint? {
        guard var text = gdb else {
            if gdbWait { throw ValidationError("--gdb-wait needs --gdb") }
            return nil
        }
        if text.hasPrefix("unix:") {
            guard text.count > 5 else { throw CoreError.invalidConfiguration(field: "gdb", reason: "unix: needs a path") }
            return .unix(path: String(text.dropFirst(5)))
        }
        if text.hasPrefix("tcp:") { text.removeFirst(4) }
        var host = "127.0.0.1"
        if let colon = text.lastIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            text = String(text[text.index(after: colon)...])
        }
        guard let port = UInt16(text) else {
            throw CoreError.invalidConfiguration(field: "gdb", reason: "'\(gdb!)': expected [HOST:]PORT with a port from 0 to 65535")
        }
        return .tcp(host: host, port: port)
    }

    func consoleOutput() throws -> ConsoleOutput {
        let output: HostOutput
        switch console {
        case "stdio": output = .standardOutput
        case "none": output = .discard
        default:
            guard console.hasPrefix("file:"), console.count > 5 else {
                throw CoreError.invalidConfiguration(field: "console", reason: "'\(console)': expected stdio, none or file:PATH")
            }
            output = try .file(String(console.dropFirst(5)))
        }
        return ConsoleOutput(output: output)
    }

    /// The configuration with this session's engine choices applied.
    func applying(to configuration: RISCVMachine.Configuration) -> RISCVMachine.Configuration {
        var c = configuration
        if let engine { c.engine = engine }
        c.perfMap = perfMap
        return c
    }

    func logger() -> Logger { SessionOptions.makeLogger(verbose: verbose) }

    static func makeLogger(verbose: Bool) -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "isola.vmm")
        logger.logLevel = verbose ? .info : .warning
        return logger
    }

    /// Runs `vm` with the console connected and the monitor on the console (and, for a
    /// bundle, on its socket) until it ends; exits with the guest's status. A guest that
    /// reboots gets a fresh machine from `reboot` (its boot source, its disks as they are
    /// now) and runs again, as hardware would.
    func run(_ first: VirtualMachine, output: ConsoleOutput, bundle: VMBundle?, file: VMConfigurationFile,
             reboot: () throws -> VirtualMachine) throws -> Never {
        var vm = first
        try output.startPeriodicFlush()
        // One console for every boot: what is typed goes to the machine running now.
        let console = InteractiveConsole(monitor: Monitor(vm: vm, bundle: bundle, configuration: file))
        try console.start()
        while true {
            let result = try runOnce(vm, console: console, bundle: bundle, file: file)
            guard result.outcome == .reset && !noReboot else {
                console.finish()
                report(result, translator: vm.machine.translatorStatistics)
                throw ExitCode(result.exitStatus)
            }
            if verbose { HostOutput.standardError.write("isola: the guest rebooted\n") }
            vm = try reboot()
            vm.install(policy: file.policy)
        }
    }

    private func runOnce(_ vm: VirtualMachine, console: InteractiveConsole, bundle: VMBundle?, file: VMConfigurationFile) throws -> MachineRun {
        var stub: GDBStub?
        if let endpoint = try gdbEndpoint() {
            let started = try GDBStub(vm: vm, endpoint: endpoint, waitForDebugger: gdbWait)
            try started.start()
            stub = started
            HostOutput.standardError.write("isola: gdb stub on \(started.address)\(gdbWait ? ", waiting for the debugger" : "")\n")
        }
        let monitor = Monitor(vm: vm, bundle: bundle, configuration: file)
        console.attach(monitor)
        let server = try bundle.map { try MonitorServer(monitor: monitor, bundle: $0) }
        defer { server?.stop() }
        if let notice = vm.machine.engineNotice { HostOutput.standardError.write("isola: \(notice)\n") }
        let result = try vm.run()
        stub?.machineEnded(result.outcome)
        return result
    }

    private func report(_ result: MachineRun, translator: TranslatorStatistics?) {
        switch result.outcome {
        case let .crashed(reason): HostOutput.standardError.write("isola: guest crashed: \(reason)\n")
        default: break
        }
        if stats {
            let mips = Double(result.instructionsRetired) / result.seconds / 1e6
            var line = "isola: \(result.instructionsRetired) instructions in \(format3(result.seconds)) s, \(format1(mips)) MIPS"
            if let boot = result.bootNanoseconds { line += ", boot to init \(format1(Double(boot) / 1e6)) ms" }
            line += ", engine \(result.engine)"
            HostOutput.standardError.write(line + "\n")
            if let t = translator { HostOutput.standardError.write(TranslatorReport.lines(t, seconds: result.seconds)) }
        }
    }
}

/// Runs a command's body, turning any error but an exit into a one-line message and status 2.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Terminal.restore()
        HostOutput.standardError.write("isola: \(error)\n")
        throw ExitCode(2)
    }
}

func format3(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
func format1(_ v: Double) -> String { String((v * 10).rounded() / 10) }
