import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resume a VM from a snapshot file.",
        discussion: """
            A snapshot in a bundle (NAME.isola/snapshots/TAG.snap, also in a copy of the bundle) \
            resumes that bundle's VM where it was saved: its disks restart from the snapshot's \
            frozen layers (what the VM wrote after the snapshot is dropped). With --clone NEW, a \
            new bundle NEW.isola is made instead, its disks overlays of the frozen layers, so any \
            number of clones run from one snapshot, each writing only its own; their memory is \
            the snapshot file's pages, mapped copy-on-write. A snapshot file that is truncated, \
            fails a checksum, has another format version or does not fit the bundle's \
            configuration is refused before anything runs.
            """
    )

    @Argument(help: ArgumentHelp("The snapshot file (TAG.snap).", valueName: "snapshot"))
    var snapshot: String

    @Option(name: .long, help: "Guest time after the restore: resume (continue from the saved time) or sync (jump by the real time since the save).")
    var clock: String = "resume"

    @Option(name: .long, help: ArgumentHelp("Make a new VM bundle NEW.isola from the snapshot and run it.", valueName: "new"))
    var clone: String?

    @OptionGroup var session: SessionOptions

    func run() throws {
        try reportingErrors {
            let start = HostClock.monotonicNanoseconds()
            guard let clockMode = RISCVMachine.ClockOnRestore(rawValue: clock) else {
                throw CoreError.invalidConfiguration(field: "clock", reason: "'\(clock)': expected resume or sync")
            }
            let restore = try SnapshotRestore.prepare(snapshotPath: snapshot, clone: clone)
            let output: ConsoleOutput
            let vm: VirtualMachine
            let logger = session.logger()  // the logging system is set up once per process
            do {
                output = try session.consoleOutput()
                vm = try VirtualMachine(restoring: restore.snapshot, configuration: session.applying(to: restore.configuration), boot: restore.boot,
                                        clock: clockMode, console: output, logger: logger)
                try restore.commit()
                vm.install(policy: restore.file.policy)
            } catch {
                restore.abandon()
                throw error
            }
            vm.logger.info("restored", metadata: ["ms": "\(Double((HostClock.monotonicNanoseconds() - start) / 10_000) / 100)"])
            // A reboot boots the snapshot's machine afresh from its boot source.
            try session.run(vm, output: output, bundle: restore.bundle, file: restore.file) {
                try VirtualMachine(configuration: session.applying(to: restore.configuration), boot: restore.boot,
                                   console: output, logger: logger)
            }
        }
    }
}
