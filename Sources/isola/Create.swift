import ArgumentParser
import IsolaHost
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

    func run() throws {
        try reportingErrors {
            guard machine.name == nil else {
                throw ValidationError("the bundle's name is its directory's: leave out --name")
            }
            let directory = VMBundle.path(naming: vm)
            let bundle = try VMBundle.create(directory: directory, configuration: try machine.configurationFile(name: vm))
            HostOutput.standardOutput.write("\(bundle.directory)\n")
        }
    }
}
