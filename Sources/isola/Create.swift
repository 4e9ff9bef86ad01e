import ArgumentParser
import IsolaHost
import IsolaRISCV
import IsolaVMM

struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a VM bundle, NAME.isola: its configuration and its own disks.",
        discussion: """
            The bundle is a directory holding config.json (the whole configuration, versioned) and, \
            for each --disk that is not readonly, a qcow2 overlay (disk0.qcow2, ...) whose base is the \
            image given, which is never written. 'isola run NAME' boots it. Copying the directory \
            (cp -r vm1.isola vm2.isola) makes a second, independent VM: on its first start it takes \
            the new name, and with it new MAC addresses; its overlays are its own.
            """
    )

    @Argument(help: ArgumentHelp("The VM's name (the bundle is NAME.isola in the current directory) or a path ending in .isola.", valueName: "name"))
    var vm: String

    @OptionGroup var machine: MachineOptions

    @Option(name: .long, help: ArgumentHelp("How the harts run guest code: jit (the translator, the default on x86-64 Linux) or interpreter.", valueName: "jit|interpreter"))
    var engine: ExecutionEngine?

    @Option(name: .long, help: ArgumentHelp("Bound on the VM's translated code in MiB, split between its harts (default 64).", valueName: "MiB"))
    var codeCache: Int?

    /// The bundle's configuration: the machine options with the engine choices.
    private func configuration(name: String) throws -> VMConfigurationFile {
        var file = try machine.configurationFile(name: name)
        file.engine = engine?.rawValue
        file.codeCacheMiB = codeCache
        return file
    }

    func run() throws {
        try reportingErrors {
            let directory = VMBundle.path(naming: vm)
            let bundle = try VMBundle.create(directory: directory, configuration: configuration(name: vm))
            HostOutput.standardOutput.write("\(bundle.directory)\n")
        }
    }
}
