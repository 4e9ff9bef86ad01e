import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaUser

@main
struct Isola: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isola",
        abstract: "A virtualization system: RISC-V virtual machines emulated in Swift.",
        version: IsolaVersion.current,
        subcommands: [Run.self, Create.self, Snapshot.self, Restore.self, Exec.self, Disk.self, Images.self, Serve.self, VMCommand.self, WorkerCommand.self]
    )

    /// Like ParsableCommand's `main`, but usage errors exit with status 2 (not 64),
    /// the status Isola documents for bad arguments.
    static func main() {
        // A riscv64 program's execve re-executes this binary to run the new program.
        if let launch = ProcessVMLaunch(reexecArguments: HostEnvironment.argumentBytes) { Exec.run(launch) }
        do {
            var command = try parseAsRoot(Exec.spellingOutTrace(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let exit as ExitCode {
            HostProcess.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Self.exit(withError: error)
            }
            let message = fullMessage(for: error)
            HostOutput.standardError.write(message + "\n")
            HostProcess.exit(2)
        }
    }
}

