import ArgumentParser
import IsolaHost
import IsolaUser

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a riscv64 Linux program on this host (the process VM).",
        discussion: """
            The program's instructions are interpreted in U-mode and its system calls translated to the \
            host's; its exit status (or the signal that ended it) becomes Isola's. This build runs statically linked programs; dynamically linked ones \
            are refused with an error naming their interpreter.
            """
    )

    @Flag(name: .long, help: "Print every system call, its first arguments and its result to stderr.")
    var strace = false

    @Option(name: .long, help: ArgumentHelp("Refuse a system call with EPERM, by its Linux name (repeatable).", valueName: "name"))
    var denySyscall: [String] = []

    @Argument(help: "The riscv64 Linux executable.")
    var program: String

    @Argument(parsing: .captureForPassthrough, help: "Its arguments.")
    var arguments: [String] = []

    func run() throws {
        let vm: ProcessVM
        do {
            vm = try ProcessVM(path: program, arguments: [program] + arguments, environment: HostEnvironment.all)
        } catch {
            HostOutput.standardError.write("isola: \(error)\n")
            throw ExitCode(2)
        }
        if strace { vm.kernel.trace = .standardError }
        for name in denySyscall where !vm.kernel.deny(name) {
            HostOutput.standardError.write("isola: --deny-syscall: unknown system call '\(name)'\n")
            throw ExitCode(2)
        }
        switch vm.run() {
        case let .exited(status): throw ExitCode(status)
        case let .signaled(signal): HostProcess.terminate(bySignal: signal)
        }
    }
}
