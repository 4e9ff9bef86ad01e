import ArgumentParser
import IsolaHost
import IsolaVMM

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save a snapshot of a VM that runs from a bundle.",
        discussion: """
            Asks the running VM (through NAME.isola/monitor.sock) to pause, write \
            NAME.isola/snapshots/TAG.snap — its configuration, every hart's and device's state, \
            guest time and memory (zero pages skipped) — freeze each disk it writes as \
            snapshots/TAG.diskN.qcow2 and go on writing a new overlay on it, then resume \
            (or stop, with --stop). The same as 'savevm TAG' at the console monitor (Ctrl-A C). \
            'isola restore NAME.isola/snapshots/TAG.snap' resumes it.
            """
    )

    @Argument(help: ArgumentHelp("The running VM: NAME (NAME.isola here) or a path to a .isola directory.", valueName: "vm"))
    var vm: String

    @Argument(help: ArgumentHelp("The snapshot's name (a file name; it must not exist yet).", valueName: "tag"))
    var tag: String

    @Flag(name: .long, help: "Stop the VM after saving, instead of letting it run on.")
    var stop = false

    func run() throws {
        try reportingErrors {
            let bundle = try VMBundle.open(VMBundle.path(naming: vm))
            let answer = try MonitorServer.send("savevm \(tag)", to: bundle)
            guard answer.hasPrefix("saved ") else { throw ValidationError(Monitor.failure(in: answer) ?? answer.trimmingSpaces) }
            HostOutput.standardOutput.write(answer)
            if stop { _ = try MonitorServer.send("quit", to: bundle) }
        }
    }
}
