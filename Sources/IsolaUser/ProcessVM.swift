import IsolaCore
import IsolaHost
import IsolaRISCV

/// The process VM: one riscv64 Linux program run as a host process, its
/// instructions interpreted by the same hart as the system VM (in U-mode) and its
/// system calls answered by `LinuxKernel`. Each of its threads is a host thread.
public final class ProcessVM {
    public let memory: UserMemory
    public let kernel: LinuxKernel
    let mainThread: UserThread

    /// How the program ended.
    public enum Outcome: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Loads `path` (a riscv64 ELF, static or dynamic, or a `#!` script) with `arguments`
    /// (argv, argv[0] included). Paths are looked up through `sysroot` first.
    public init(path: String, arguments: [[UInt8]], environment: [[UInt8]], sysroot: Sysroot,
                engine: ExecutionEngine = .hostDefault, perfMap: Bool = false) throws {
        var programPath = Array(path.utf8)
        var arguments = arguments
        var hostPath = sysroot.hostPath(programPath)
        var bytes = try HostFile.readAll(String(decoding: hostPath, as: UTF8.self))
        if case let .script(interpreter, argument)? = ProgramFile.kind(of: Array(bytes.prefix(256))) {
            // As Linux's binfmt_script: interpreter [argument] script-path original-arguments...
            arguments = [interpreter] + (argument.map { [$0] } ?? []) + [programPath] + arguments.dropFirst()
            programPath = interpreter
            hostPath = sysroot.hostPath(interpreter)
            bytes = try HostFile.readAll(String(decoding: hostPath, as: UTF8.self))
        }
        let shownPath = String(decoding: programPath, as: UTF8.self)
        let image = try ELFImage(bytes: bytes, path: shownPath)
        var interpreter: ELFImage?
        var interpreterFile: ProgramLoader.FileIdentity?
        if let name = image.interpreter {
            let interpreterPath = sysroot.hostPath(Array(name.utf8))
            let shown = String(decoding: interpreterPath, as: UTF8.self)
            guard let interpreterBytes = try? HostFile.readAll(shown) else {
                throw ProcessError.unsupported(path: shownPath, reason: "its interpreter \(name) was not found (looked in \(sysroot.root.map { String(decoding: $0, as: UTF8.self) } ?? "no sysroot") and /)")
            }
            interpreter = try ELFImage(bytes: interpreterBytes, path: shown)
            interpreterFile = ProgramLoader.FileIdentity(path: Array(name.utf8), hostPath: interpreterPath)
        }
        memory = try UserMemory()
        var random = [UInt8](repeating: 0, count: 16)
        // SAFETY: `fill` writes the buffer's 16 bytes inside the closure.
        random.withUnsafeMutableBytes { HostRandom.fill($0) }
        let loaded = try ProgramLoader.load(image, path: shownPath, interpreter: interpreter, arguments: arguments,
                                            environment: environment, into: memory, random: random,
                                            files: (ProgramLoader.FileIdentity(path: programPath, hostPath: hostPath), interpreterFile))
        kernel = LinuxKernel(memory: memory, programBreak: loaded.programBreak, sysroot: sysroot,
                             executablePath: ProcessVM.absolute(hostPath), engine: engine)
        kernel.perfMap = perfMap
        for name in loaded.names { kernel.mappingNames.set(name) }
        kernel.auxiliaryVector = loaded.auxiliaryVector
        mainThread = try UserThread(kernel: kernel, memory: memory, tid: 0)
        mainThread.hart.enterUserMode(entry: loaded.entry, rootPage: memory.rootPage)
        mainThread.hart.x[2] = loaded.stackPointer
        kernel.primary = mainThread
    }

    /// Runs the program on the calling thread until it exits or a signal ends it.
    /// (A program with threads left running ends the host process itself.)
    public func run() -> Outcome {
        mainThread.attachToHostThread()
        // The program inherits the signal mask (as across execve); the monitor keeps it
        // itself and lets the host deliver everything, so blocking calls can be interrupted.
        mainThread.signalMask = HostSignal.exchangeMask(0) & ~SignalActionTable.unblockable
        kernel.signalActions.noteBlocked(mainThread.signalMask)
        mainThread.tid = HostSystemCall.invoke(SystemCallTable.host(178))
        kernel.lock.withLock { kernel.threads[mainThread.tid] = mainThread }
        mainThread.hart.run()
        if kernel.exitStatus == nil && kernel.terminatingSignal == nil {
            // The main thread ended alone (exit, not exit_group): the others go on, and the
            // last of them to end, or an exit_group, ends the host process.
            HostSignal.blockAll()
            while true { HostSignal.suspend() }
        }
        if let signal = kernel.terminatingSignal { return .signaled(signal) }
        return .exited(kernel.exitStatus ?? 0)
    }

    /// What the main thread's translator did (nil under the interpreter).
    public var translatorStatistics: TranslatorStatistics? { mainThread.hart.translatorStatistics }

    /// /proc/self/exe's answer: the program's absolute path.
    static func absolute(_ path: [UInt8]) -> [UInt8] {
        guard path.first != UInt8(ascii: "/") else { return path }
        guard case let .success(directory) = LinuxKernel.hostLink(Array("/proc/self/cwd".utf8)), !directory.isEmpty else { return path }
        return SystemCallPolicy.normalize(directory + [UInt8(ascii: "/")] + path)
    }
}
