import ArgumentParser
import IsolaHost
import IsolaRISCV
import IsolaUser

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a riscv64 Linux program on this host (the process VM).",
        discussion: """
            The program's instructions are interpreted in U-mode and its system calls translated to the \
            host's; its exit status (or the signal that ended it) becomes Isola's. Static, static-PIE and \
            dynamically linked programs run; a dynamic program's interpreter and libraries come from the \
            sysroot, where absolute paths are looked up first (files only; directories stay the host's). \
            fork, execve and threads are the host's own: a child is a host process, an execve runs the \
            process VM again on the new program, a thread is a host thread.

            A policy file is JSON: {"rules": [{"syscall": NAME or "*", "path": PREFIX, "action": \
            "allow"|"deny"|"log", "errno": NAME or NUMBER}, ...]}. The first rule that matches a call \
            decides; "path" matches a call's path argument (made absolute) at or under PREFIX.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Print system calls to stderr: all of them with their first arguments and results (--strace alone), or only those Isola does not implement, which otherwise fail with ENOSYS silently.", valueName: "all|unimplemented"))
    var strace: SystemCallTrace = .off

    @Option(name: .long, help: ArgumentHelp("Refuse a system call with EPERM, by its Linux name (repeatable).", valueName: "name"))
    var denySyscall: [String] = []

    @Option(name: .long, help: ArgumentHelp("Allow, deny or log system calls by the rules in a JSON file.", valueName: "file"))
    var policy: String?

    @Option(name: .long, help: ArgumentHelp("Where the dynamic linker and libraries are (default \(Sysroot.debianCross) when present; \"\" for none).", valueName: "dir"))
    var sysroot: String?

    @Option(name: .long, help: ArgumentHelp("How the program's code runs: jit (the translator, the default on x86-64 Linux) or interpreter.", valueName: "jit|interpreter"))
    var engine: ExecutionEngine = .hostDefault

    @Flag(name: .long, help: "Write /tmp/perf-PID.map naming translated code by guest address, for 'perf report'.")
    var perfMap = false

    @Flag(name: .long, help: "At exit, print what the main thread's translator did to stderr (units, time, exits).")
    var stats = false

    @Option(name: .customLong("argv0"), help: ArgumentHelp("The program's argv[0] (default: PROGRAM).", valueName: "name"))
    var argumentZero: String?

    @Argument(help: "The riscv64 Linux executable.")
    var program: String

    @Argument(parsing: .captureForPassthrough, help: "Its arguments.")
    var arguments: [String] = []

    func run() throws {
        let root = sysroot ?? (HostFile.exists(Sysroot.debianCross) ? Sysroot.debianCross : "")
        if let policy {
            do { _ = try SystemCallPolicy(file: policy) } catch { Exec.fail("\(error)") }
        }
        // Absolute: an execve'd program runs under the same monitor, maybe elsewhere.
        let policyPath = policy.map { $0.hasPrefix("/") ? $0 : (HostDirectory.current ?? ".") + "/" + $0 }
        let settings = ProcessVMLaunch.Settings(sysroot: root, engine: engine, perfMap: perfMap, trace: strace,
                                                deniedSystemCalls: denySyscall, policyPath: policyPath, statistics: stats)
        Exec.run(ProcessVMLaunch(settings: settings, program: program,
                                 arguments: ([argumentZero ?? program] + arguments).map { Array($0.utf8) }))
    }

    /// Runs a program (from the command line, or re-executed by a program's execve:
    /// `ProcessVMLaunch(reexecArguments:)` in `Isola.main`) and ends as it ended.
    static func run(_ launch: ProcessVMLaunch) -> Never {
        let vm: ProcessVM
        do {
            vm = try launch.makeVM()
        } catch {
            fail("\(error)")
        }
        if let notice = vm.kernel.engineNotice { HostOutput.standardError.write("isola: \(notice)\n") }
        let started = HostClock.monotonicNanoseconds()
        let outcome = vm.run()
        if launch.settings.statistics, let translator = vm.translatorStatistics {
            let seconds = Double(HostClock.monotonicNanoseconds() - started) / 1e9
            HostOutput.standardError.write(TranslatorReport.lines(translator, seconds: seconds))
        }
        switch outcome {
        case let .exited(status): HostProcess.exit(status)
        case let .signaled(signal): HostProcess.terminate(bySignal: signal)
        }
    }

    private static func fail(_ message: String) -> Never {
        HostOutput.standardError.write("isola: \(message)\n")
        HostProcess.exit(2)
    }
}

extension SystemCallTrace: ExpressibleByArgument {}

extension Exec {
    /// Options of `isola exec` that take the next argument as their value.
    private static let optionsWithValues: Set<String> = ["--deny-syscall", "--policy", "--sysroot", "--engine", "--argv0"]

    /// `--strace` alone means `--strace=all`: ArgumentParser has no option whose value
    /// may be left out, so a bare `--strace` before the program is spelled out here
    /// (followed by a mode's name, it takes that name as its value).
    /// Everything from the program on is the program's and stays as it is.
    static func spellingOutTrace(_ arguments: [String]) -> [String] {
        guard arguments.first == "exec" else { return arguments }
        var result = ["exec"]
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" || !argument.hasPrefix("-") { break }
            if argument == "--strace" {
                // `--strace all` and `--strace unimplemented` keep their value; alone it means all.
                if index + 1 < arguments.count, SystemCallTrace(rawValue: arguments[index + 1]) != nil {
                    result.append("--strace=" + arguments[index + 1])
                    index += 1
                } else {
                    result.append("--strace=all")
                }
            } else {
                result.append(argument)
                if optionsWithValues.contains(argument), index + 1 < arguments.count {
                    index += 1
                    result.append(arguments[index])
                }
            }
            index += 1
        }
        return result + arguments[index...]
    }
}
