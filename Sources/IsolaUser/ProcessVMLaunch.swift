import FoundationEssentials
import IsolaHost
import IsolaRISCV

/// How a process VM starts a program, and how it survives the program's `execve` of
/// another riscv64 program: the host process re-executes its own binary
/// (`/proc/self/exe`) with `reexecArguments`, and that binary's `main` hands its
/// arguments to `ProcessVMLaunch(reexecArguments:)` before anything else. The library,
/// not a command line, owns that argument format, so a program that embeds IsolaUser
/// gets its own `main` called with arguments it can recognise:
///
/// ```swift
/// @main struct Tool {
///     static func main() {
///         if let launch = ProcessVMLaunch(reexecArguments: HostEnvironment.argumentBytes) { launch.runAndExit() }
///         ...
///     }
/// }
/// ```
/// What `isola exec --strace` prints: nothing (the default: a call Isola does not
/// implement fails with ENOSYS silently, as Linux's own answer would), every call, or
/// only the calls that failed because Isola does not implement them.
public enum SystemCallTrace: String, Codable, Equatable, Sendable, CaseIterable {
    case off, all, unimplemented
}

public struct ProcessVMLaunch: Codable, Equatable, Sendable {
    /// How every program of this process VM runs; an `execve` passes them on.
    public struct Settings: Codable, Equatable, Sendable {
        public var sysroot: String
        public var engine: ExecutionEngine
        public var perfMap: Bool
        /// Which system calls to print (`--strace[=all|unimplemented]`).
        public var trace: SystemCallTrace
        /// System calls refused with ENOSYS, by riscv64 name.
        public var deniedSystemCalls: [String]
        /// A policy file (an absolute path: the new program may run in another directory).
        public var policyPath: String?
        /// For the command line: print what the translator did at exit.
        public var statistics: Bool
        /// Say in one line that the program was killed by a signal: true for the process
        /// `isola exec` started (and what it execs), false in the children it forks.
        public var reportsDeathBySignal = true

        public init(sysroot: String, engine: ExecutionEngine = .hostDefault, perfMap: Bool = false, trace: SystemCallTrace = .off,
                    deniedSystemCalls: [String] = [], policyPath: String? = nil, statistics: Bool = false) {
            (self.sysroot, self.engine, self.perfMap, self.trace) = (sysroot, engine, perfMap, trace)
            (self.deniedSystemCalls, self.policyPath, self.statistics) = (deniedSystemCalls, policyPath, statistics)
        }
    }

    public var settings: Settings
    /// The program, as the guest named it (looked up through the sysroot).
    public var program: String
    /// argv, argv[0] included.
    public var arguments: [[UInt8]]

    public init(settings: Settings, program: String, arguments: [[UInt8]]) {
        (self.settings, self.program, self.arguments) = (settings, program, arguments)
    }

    /// The first argument after the executable's name that marks a re-executed process VM.
    public static let reexecMarker = "--isola-process-vm-execve"

    /// The host arguments that re-run this launch in a new image of the current
    /// executable: its name, the marker, the settings as JSON, the program, argv.
    public var reexecArguments: [[UInt8]] {
        let settingsJSON = (try? JSONEncoder().encode(settings)).map { Array($0) } ?? Array("{}".utf8)
        return [Array("isola".utf8), Array(Self.reexecMarker.utf8), settingsJSON, Array(program.utf8)] + arguments
    }

    /// The launch a re-executed process was given, or nil when `arguments` (a `main`'s
    /// `CommandLine.arguments`) are not a re-execution's.
    public init?(reexecArguments arguments: [String]) {
        self.init(reexecArguments: arguments.map { Array($0.utf8) })
    }

    /// The same from the arguments' bytes (`HostEnvironment.argumentBytes`), so the
    /// program's argv reaches it unchanged when it is not UTF-8.
    public init?(reexecArguments arguments: [[UInt8]]) {
        guard arguments.count >= 4, arguments[1] == Array(Self.reexecMarker.utf8),
              let settings = try? JSONDecoder().decode(Settings.self, from: Data(arguments[2])) else { return nil }
        self.init(settings: settings, program: String(decoding: arguments[3], as: UTF8.self), arguments: Array(arguments.dropFirst(4)))
    }

    /// Loads the program and sets the VM up as the settings say (trace, denied calls,
    /// policy, and these settings for its own `execve`s); the caller runs it.
    public func makeVM(environment: [[UInt8]] = HostEnvironment.allBytes) throws -> ProcessVM {
        let vm = try ProcessVM(path: program, arguments: arguments, environment: environment, sysroot: Sysroot(settings.sysroot),
                               engine: settings.engine, perfMap: settings.perfMap)
        switch settings.trace {
        case .off: break
        case .all: vm.kernel.trace = .standardError
        case .unimplemented: vm.kernel.unimplementedTrace = .standardError
        }
        for name in settings.deniedSystemCalls where !vm.kernel.deny(name) {
            throw ProcessError.unsupported(path: program, reason: "asked to deny an unknown system call '\(name)'")
        }
        if let path = settings.policyPath { vm.kernel.policy = try SystemCallPolicy(file: path) }
        vm.kernel.execveSettings = settings
        return vm
    }

    /// Runs the program and ends the host process as the program ended: its exit
    /// status, or the signal that killed it. A program that cannot be loaded ends it
    /// with status 127 (the shell's "cannot execute") and one line on stderr.
    public func runAndExit() -> Never {
        let vm: ProcessVM
        do {
            vm = try makeVM()
        } catch {
            HostOutput.standardError.write("isola: \(error)\n")
            HostProcess.exitImmediately(127)
        }
        switch vm.run() {
        case let .exited(status): HostProcess.exit(status)
        case let .signaled(signal): HostProcess.terminate(bySignal: signal)
        }
    }
}
