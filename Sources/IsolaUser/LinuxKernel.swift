import IsolaCore
import IsolaHost
import IsolaRISCV

/// The process VM's kernel: answers the program's `ecall`s by translating riscv64
/// Linux system calls to the host's, and turns its faults into signals. Every
/// pointer argument is checked against the program's own mappings (EFAULT
/// otherwise), so no system call reaches memory the program does not own.
///
/// Threading: one kernel serves every thread of the program, each on its own host
/// thread. Process-wide state (the heap and mmap cursors, the thread table, signal
/// actions) is under `lock`; a `UserThread`'s own state belongs to its host thread.
public final class LinuxKernel: @unchecked Sendable {
    let memory: UserMemory
    let sysroot: Sysroot
    /// The program as it was started, for /proc/self/exe.
    let executablePath: [UInt8]
    let lock = HostMutex()
    var programBreak: UInt64
    let breakStart: UInt64
    /// Anonymous mappings are placed downwards from here (below the stack).
    var mmapCursor: UInt64 = LinuxKernel.mmapTop
    /// The program's live threads by thread id.
    var threads: [Int: UserThread] = [:]
    let signalActions = SignalActionTable()
    /// The thread `ProcessVM.run` runs on; it alone may end the VM by returning.
    var primary: UserThread?
    /// What /proc/self/maps calls the mapped ranges (`lock` held).
    var mappingNames = MappingNames()
    /// The program's auxiliary vector, for /proc/self/auxv and PR_GET_AUXV.
    var auxiliaryVector: [UInt8] = []
    /// Whether a shared file page past its file's end is already guarded (SIGBUS, not a crash).
    var guardsSharedPages = false
    /// signalfd descriptors (their pipe's read end) with their masks and the monitor's write end (`lock` held).
    var signalDescriptors: [Int: (mask: UInt64, writer: Int)] = [:]
    /// Set in a vfork child until it execs or exits: where its written pages go.
    var vforkParent: VforkChannel?
    /// System V segments attached (shmat): their addresses and lengths, for shmdt (`lock` held).
    var attachedSegments: [UInt64: UInt64] = [:]

    /// Set when the program ends: an exit status, or the signal that killed it.
    public private(set) var exitStatus: Int32?
    public private(set) var terminatingSignal: Int32?
    /// Prints each system call and its result to `trace` (`--strace`).
    public var trace: HostOutput?
    /// Prints only the calls answered ENOSYS because Isola does not implement them
    /// (`--strace=unimplemented`); without either, such a call fails silently.
    public var unimplementedTrace: HostOutput?
    /// System calls the monitor refuses with EPERM (`--deny-syscall`), by number.
    public private(set) var denied: Set<Int> = []
    /// Rules that allow, deny or log system calls (`--policy`).
    public var policy: SystemCallPolicy?
    /// How the program's threads run its code (each thread's hart gets its own translator).
    public let engine: ExecutionEngine
    /// Each thread's bound on translated code.
    public var codeCacheBytes = ExecutionEngine.defaultCodeCacheBytes / 4
    /// Writes `/tmp/perf-PID.map` for translated code.
    public var perfMap = false
    /// Why the program runs the interpreter although the translator was asked for; nil otherwise.
    public private(set) var engineNotice: String?

    /// What an `execve` of another riscv64 program re-runs the process VM with
    /// (`ProcessVMLaunch`), so the new program keeps the same monitor: by default this
    /// VM's sysroot and engine.
    public var execveSettings: ProcessVMLaunch.Settings
    /// Set once the program's death by a signal has been told (`lock` held).
    private var deathReported = false

    /// Refuses a system call by its riscv64 Linux name; false for a name Isola does not know.
    public func deny(_ name: String) -> Bool {
        guard let number = SystemCallTable.number(named: name) else { return false }
        denied.insert(number)
        return true
    }

    init(memory: UserMemory, programBreak: UInt64, sysroot: Sysroot, executablePath: [UInt8], engine: ExecutionEngine) {
        self.engine = engine
        self.memory = memory
        self.programBreak = programBreak
        self.sysroot = sysroot
        self.executablePath = executablePath
        breakStart = programBreak
        execveSettings = .init(sysroot: sysroot.root.map { String(decoding: $0, as: UTF8.self) } ?? "", engine: engine)
    }

    /// Gives a new thread's hart a translator when the program runs translated;
    /// where the host refuses, the thread interprets and the first refusal is kept.
    func prepareEngine(_ hart: Hart) {
        guard engine == .jit else { return }
        guard ExecutionEngine.translatorAvailable else {
            engineNotice = engineNotice ?? "the translator has no backend for this host: running the interpreter"
            return
        }
        do {
            try hart.enableTranslation(codeCacheBytes: codeCacheBytes, perfMap: perfMap)
        } catch {
            engineNotice = engineNotice ?? "executable memory for the translator was refused (\(error)): running the interpreter"
        }
    }

    static let atFDCWD = -100
    static let efault = -HostSystemCall.EFAULT
    /// A handler's result meaning "the registers are already as they should be" (rt_sigreturn).
    static let registersSet = Int.min

    /// One `ecall` from `thread`: interposition (deny list, policy), the call, the trace,
    /// then any signal that is now due.
    func systemCall(on thread: UserThread) {
        let hart = thread.hart
        let number = Int(hart.x[17])
        let a = (0..<6).map { hart.x[10 + $0] }
        var note = ""
        var result: Int
        var decision = SystemCallPolicy.Action.allow
        // The path a policy sees, taken before the call runs (a chdir changes what a relative one means).
        var path: [UInt8]?
        if denied.contains(number) {
            decision = .deny(errno: HostSystemCall.EPERM)
        } else if let policy {
            if policy.needsPaths { path = absolutePath(of: number, a) }
            decision = policy.decide(SystemCallTable.name(number), path: path)
            if decision == .log && !policy.needsPaths { path = absolutePath(of: number, a) }
        }
        switch decision {
        case let .deny(errno):
            result = -errno
            note = " (denied)"
        case .allow, .log:
            result = perform(number, a, on: thread)
        }
        if case .log = decision {
            let shownPath = path.map { " \"\(String(decoding: $0, as: UTF8.self))\"" } ?? ""
            HostOutput.standardError.write("isola: policy: \(SystemCallTable.name(number))\(shownPath) = \(result == LinuxKernel.registersSet ? 0 : result)\n")
        }
        if let trace {
            let arguments = a.prefix(3).map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
            let shown = result == LinuxKernel.registersSet ? "?" : String(result)
            trace.write("[\(thread.tid)] \(SystemCallTable.name(number))(\(arguments)) = \(shown)\(note)\n")
        }
        guard result != LinuxKernel.registersSet else {
            deliverSignals(to: thread, interruptedCall: nil)
            return
        }
        hart.x[10] = UInt64(bitPattern: Int64(result))
        // A host call that a signal interrupted is restarted unless a handler without
        // SA_RESTART runs (Linux's ERESTARTSYS).
        let interrupted = result == -HostSystemCall.EINTR && number != 133  // rt_sigsuspend's EINTR is its answer
        deliverSignals(to: thread, interruptedCall: interrupted ? a[0] : nil,
                       restartsUnderHandler: !LinuxKernel.neverRestartedUnderHandler.contains(number))
    }

    /// Calls that a handler always interrupts, SA_RESTART or not (Linux's ERESTARTNOHAND
    /// and restart blocks): waits for events and sleeps. Without a handler they restart.
    static let neverRestartedUnderHandler: Set<Int> = [72, 73, 101, 115, 137, 22, 441]

    func perform(_ number: Int, _ a: [UInt64], on thread: UserThread) -> Int {
        if let interrupted = applyCallMask(number, a, on: thread) { return interrupted }
        if let special = performSpecial(number, a, on: thread) { return special }
        guard let entry = SystemCallTable.entries[number] else {
            (trace ?? unimplementedTrace)?.write("isola: unknown system call \(number) (ENOSYS)\n")
            return -HostSystemCall.ENOSYS
        }
        guard let passThrough = entry.passThrough else {
            (trace ?? unimplementedTrace)?.write("isola: system call \(entry.name) is not implemented (ENOSYS)\n")
            return -HostSystemCall.ENOSYS
        }
        return forward(passThrough, a)
    }

    /// The calls that are more than their buffers: files with layouts or special
    /// paths, memory, processes, threads and signals.
    func performSpecial(_ number: Int, _ a: [UInt64], on thread: UserThread) -> Int? {
        switch number {
        case 63, 64, 65, 66, 67, 68, 69, 70, 286, 287: return transfer(number, a)
        case 56: return open(a)
        case 78: return readLink(a)
        case 79, 80: return status(number, a)
        case 29: return inputOutputControl(a)
        case 25: return fileControl(a)
        case 160: return unixName(a)
        case 167: return processControl(a, on: thread)
        case 214:
            let (address, unmapped) = lock.withLock { programBreak(a[0]) }
            // Frames a shrinking break gave back may serve the next mapping at once: no
            // thread may keep reaching them through the heap's old addresses.
            if unmapped { flushAllThreads() }
            return address
        case 222: return mapMemory(a)
        case 215, 226, 216: return changeMapping(number, a)
        case 227: return synchronize(a)
        case 228, 229, 284:  // mlock, munlock, mlock2: the range must be mapped
            let length = LinuxKernel.pageAligned(a[1] &+ a[0] % LinuxKernel.page)
            let start = a[0] & ~(LinuxKernel.page - 1)
            return memory.isMapped(start, length: length) ? 0 : -HostSystemCall.ENOMEM
        case 230, 231: return 0  // mlockall, munlockall
        case 232: return residency(a)
        case 233: return advise(a)
        case 259:
            flushAllThreads()
            return 0
        case 258, 283, 293, 435:  // hwprobe, membarrier, rseq, clone3: libc falls back
            (trace ?? unimplementedTrace)?.write("isola: system call \(SystemCallTable.name(number)) is not implemented (ENOSYS)\n")
            return -HostSystemCall.ENOSYS
        case 93, 94: return exit(number, status: Int32(truncatingIfNeeded: a[0] & 0xFF), on: thread)
        case 96:
            thread.clearChildTID = a[0]
            return thread.tid
        case 99: return setRobustList(a, on: thread)
        case 100: return robustList(a, on: thread)
        case 98: return futex(a)
        case 220: return clone(a, on: thread)
        case 221: return execute(a, on: thread)
        case 132, 133, 134, 135, 136, 137, 139: return signalCall(number, a, on: thread)
        case 129, 130, 131: return sendSignal(number, a, on: thread)
        case 74: return signalDescriptor(a)
        case 21: return epollControl(a)
        case 22, 441: return epollWait(number, a)
        case 208, 209:  // the table passes them through, if the option's value is plain data
            return SocketOptions.passes(level: a[1], name: a[2]) ? nil : -SocketOptions.ENOPROTOOPT
        case 189: return sendQueueMessage(a)
        case 188: return receiveQueueMessage(a)
        case 187: return queueControl(a)
        case 191: return semaphoreControl(a)
        case 195: return segmentControl(a)
        case 196: return attachSegment(a)
        case 197: return detachSegment(a)
        case 211: return sendMessage(a)
        case 212: return receiveMessage(a)
        case 243, 269: return multipleMessages(number, a)
        default: return nil
        }
    }

    /// Ends the program with `status` (exit_group), or just this thread (exit).
    func exit(_ number: Int, status: Int32, on thread: UserThread) -> Int {
        releaseRobustFutexes(of: thread)
        let remaining = lock.withLock {
            threads[thread.tid] = nil
            return threads.count
        }
        if number == 93 && remaining > 0 {
            thread.finish()
            return 0
        }
        releaseVforkParent()
        guard thread === primary else { HostProcess.exitImmediately(status) }
        if remaining > 0 {
            // exit_group with other threads running: they end with the host process.
            HostProcess.exitImmediately(status)
        }
        exitStatus = status
        thread.hart.machine.stop()
        thread.hart.kick()  // the process VM's machine lists no harts to kick
        return 0
    }

    /// Ends the program by `signal`, as its default action does, saying so in one line
    /// (as qemu-user does; the shell's own report names only the signal) when this is
    /// the process `isola exec` started: its children's deaths are their parent's to tell.
    func terminate(bySignal signal: Int32, on thread: UserThread) {
        let first = lock.withLock {
            defer { deathReported = true }
            return !deathReported
        }
        if first && execveSettings.reportsDeathBySignal {
            HostOutput.standardError.write("isola: the program was killed by signal \(signal) (\(HostProcess.signalName(signal)))\n")
        }
        let alone = lock.withLock { threads.count == 1 }
        guard thread === primary && alone else { HostProcess.terminate(bySignal: signal) }
        terminatingSignal = signal
        thread.hart.machine.stop()
        thread.hart.kick()  // the process VM's machine lists no harts to kick
        thread.hart.pc = 0
    }

    /// After the monitor changed the page tables: every thread drops its translations.
    func flushAllThreads(except current: UserThread? = nil) {
        let others = lock.withLock { Array(threads.values) }
        for other in others where other !== current {
            other.hart.exitRequests.loadThenBitwiseOr(with: ExitRequest.sfenceVMA | ExitRequest.fenceI, ordering: .acquiringAndReleasing)
        }
        current?.hart.flushTranslations()
    }

    static func words(_ values: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        // SAFETY: each value's own 8 bytes, copied inside the closure.
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        return bytes
    }

    static func word(_ bytes: [UInt8], _ index: Int) -> UInt64 {
        // SAFETY: every caller indexes bytes it read with `memory.read` at a count of at least 8 * (index + 1).
        bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
    }
}
