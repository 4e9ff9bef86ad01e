import ArgumentParser
import IsolaHypervisor
import IsolaRISCV

/// `isola worker`: one VM in a process of its own, started by `isola serve`.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one VM for the hypervisor (started by 'isola serve', not by hand).",
        shouldDisplay: false
    )

    @Argument(help: "The VM bundle.")
    var bundle: String

    @Option(name: .long, help: "Resume this snapshot file instead of booting.")
    var snapshot: String?

    @Option(name: .long, help: "Guest time after a restore: resume or sync.")
    var clock: String = "resume"

    @Option(name: .customLong("host-cpus"), help: "Host CPUs to run on, e.g. 1,2.")
    var hostCPUs: String?

    @Flag(name: .shortAndLong, help: "Log what the monitor does.")
    var verbose = false

    func run() throws {
        guard let clockMode = RISCVMachine.ClockOnRestore(rawValue: clock) else {
            throw ValidationError("--clock: '\(clock)': expected resume or sync")
        }
        let cpus = try hostCPUs.map { list in
            try list.split(separator: ",").map { item in
                guard let cpu = Int(item) else { throw ValidationError("--host-cpus: '\(list)': expected CPU numbers such as 1,2") }
                return cpu
            }
        }
        let options = Worker.Options(bundle: bundle, snapshot: snapshot, clock: clockMode, hostCPUs: cpus)
        Worker.run(options, logger: SessionOptions.makeLogger(verbose: verbose))
    }
}
