import Atomics
import IsolaCore
import IsolaHost
import IsolaRISCV

/// clone (fork and threads), execve and futex.
extension LinuxKernel {
    /// clone flags (include/uapi/linux/sched.h).
    enum CloneFlag {
        static let vm: UInt64 = 0x100, thread: UInt64 = 0x10000, setTLS: UInt64 = 0x80000
        static let parentSetTID: UInt64 = 0x100000, childClearTID: UInt64 = 0x200000, childSetTID: UInt64 = 0x1000000
        static let vfork: UInt64 = 0x4000
    }

    /// clone(flags, stack, parent_tid, tls, child_tid): a thread when it shares the
    /// address space as a thread; otherwise a process: fork, or vfork (CLONE_VFORK),
    /// whose parent waits for the child's exec or exit and then sees what it wrote
    /// (`VforkChannel`).
    func clone(_ a: [UInt64], on thread: UserThread) -> Int {
        let flags = a[0], stack = a[1], parentTID = a[2], tls = a[3], childTID = a[4]
        if flags & CloneFlag.thread != 0 {
            guard flags & CloneFlag.vm != 0 else { return -HostSystemCall.EINVAL }
            return startThread(flags: flags, stack: stack, parentTID: parentTID, tls: tls, childTID: childTID, parent: thread)
        }
        // The kernel lock, then the tables' (the order brk and mmap take them), so neither is held mid-change.
        guard thread.hart.prepareTranslationForFork() else { return -HostSystemCall.EAGAIN }
        let channel = flags & CloneFlag.vfork != 0 ? VforkChannel() : nil
        let pid = lock.withLock { memory.withLock { HostSystemCall.fork() } }
        guard pid == 0 else {
            thread.hart.endTranslationFork()
            if pid > 0 && flags & CloneFlag.parentSetTID != 0 { _ = memory.write(LinuxKernel.littleEndian(UInt32(pid)), at: parentTID) }
            if pid > 0, let channel {
                channel.receiveWrittenPages(into: memory, child: pid)
                flushAllThreads(except: thread)
                thread.hart.flushTranslations()
            }
            return pid
        }
        // The child: only this thread came across.
        thread.hart.detachTranslationAfterFork()
        // A vfork child's pages go back to its parent; a child of that child has no parent waiting on it.
        vforkParent = channel
        if channel != nil {
            memory.clearDirtyBits()
            thread.hart.flushTranslations()
        }
        execveSettings.reportsDeathBySignal = false
        thread.tid = HostSystemCall.invoke(SystemCallTable.host(178))
        threads = [thread.tid: thread]
        if flags & CloneFlag.childSetTID != 0 { _ = memory.write(LinuxKernel.littleEndian(UInt32(thread.tid)), at: childTID) }
        if flags & CloneFlag.childClearTID != 0 { thread.clearChildTID = childTID }
        if stack != 0 { thread.hart.x[2] = stack }
        return 0
    }

    private func startThread(flags: UInt64, stack: UInt64, parentTID: UInt64, tls: UInt64, childTID: UInt64, parent: UserThread) -> Int {
        let child: UserThread
        do {
            child = try UserThread(kernel: self, memory: memory, tid: 0)
        } catch {
            return -HostSystemCall.EAGAIN
        }
        child.hart.enterUserMode(entry: parent.hart.pc, rootPage: memory.rootPage)
        child.hart.copyUserState(from: parent.hart)
        child.hart.x[10] = 0
        if stack != 0 { child.hart.x[2] = stack }
        if flags & CloneFlag.setTLS != 0 { child.hart.x[4] = tls }
        child.signalMask = parent.signalMask
        let started = ManagedAtomic<Int>(0)
        do {
            try HostThread.start(name: "isola-thread") { [self] in
                child.attachToHostThread()
                child.tid = HostSystemCall.invoke(SystemCallTable.host(178))
                lock.withLock { threads[child.tid] = child }
                if flags & CloneFlag.childSetTID != 0 { _ = memory.write(LinuxKernel.littleEndian(UInt32(child.tid)), at: childTID) }
                if flags & CloneFlag.childClearTID != 0 { child.clearChildTID = childTID }
                if flags & CloneFlag.parentSetTID != 0 { _ = memory.write(LinuxKernel.littleEndian(UInt32(child.tid)), at: parentTID) }
                started.store(child.tid, ordering: .releasing)
                child.hart.run()
            }.detach()
        } catch {
            return -HostSystemCall.EAGAIN
        }
        while started.load(ordering: .acquiring) == 0 { _ = HostSystemCall.invoke(SystemCallTable.host(124)) }
        return started.load(ordering: .acquiring)
    }

    /// execve: checks the program (an errno if it cannot run), then re-runs the process
    /// VM on it in this host process, so descriptors, pid and ignored signals carry over.
    func execute(_ a: [UInt64], on thread: UserThread) -> Int {
        guard let path = memory.bytes(ofString: a[0]), let arguments = stringArray(at: a[1]),
              let environment = stringArray(at: a[2]) else { return LinuxKernel.efault }
        let hostPath = path == LinuxKernel.selfExecutable ? executablePath : sysroot.hostPath(path)
        // SAFETY: the path is NUL-terminated and lives through the call, made inside the closure.
        let access = (hostPath + [0]).withUnsafeBytes {
            HostSystemCall.invoke(SystemCallTable.host(48), LinuxKernel.atFDCWD, Int(bitPattern: $0.baseAddress), 1)  // X_OK
        }
        guard access == 0 else { return access }
        guard let kind = ProgramFile.kind(ofHostPath: hostPath) else { return -HostSystemCall.ENOEXEC }
        releaseVforkParent()
        if kind == .hostNative {
            trace?.write("execve(\"\(String(decoding: path, as: UTF8.self))\") runs a host program\n")
            let unblocked = HostSignal.exchangeMask(thread.signalMask)
            let r = HostSystemCall.execve(path: String(decoding: hostPath, as: UTF8.self), arguments: arguments, environment: environment)
            _ = HostSignal.exchangeMask(unblocked)
            return r
        }
        // /proc/self/exe would name Isola in the new process: pass the program itself.
        let program = path == LinuxKernel.selfExecutable ? executablePath : path
        let launch = ProcessVMLaunch(settings: execveSettings, program: String(decoding: program, as: UTF8.self),
                                     arguments: arguments.isEmpty ? [path] : arguments)
        let hostArguments = launch.reexecArguments
        trace?.write("execve(\"\(String(decoding: path, as: UTF8.self))\") replaces the program\n")
        // The new program inherits the mask, through the host's.
        let unblocked = HostSignal.exchangeMask(thread.signalMask)
        let r = HostSystemCall.execve(path: "/proc/self/exe", arguments: hostArguments, environment: environment)
        _ = HostSignal.exchangeMask(unblocked)
        return r
    }

    /// A vfork child at its exec or exit: its parent gets the pages it wrote and goes on.
    func releaseVforkParent() {
        guard let channel = vforkParent else { return }
        vforkParent = nil
        channel.sendWrittenPages(of: memory)
    }

    /// A NULL-terminated array of string pointers (argv, envp); nil on a bad pointer.
    private func stringArray(at address: UInt64) -> [[UInt8]]? {
        var strings: [[UInt8]] = []
        guard address != 0 else { return strings }
        for i in 0..<4096 {
            guard let entry = memory.read(address &+ UInt64(i * 8), count: 8) else { return nil }
            let pointer = LinuxKernel.word(entry, 0)
            if pointer == 0 { return strings }
            guard let string = memory.bytes(ofString: pointer, limit: 128 << 10) else { return nil }
            strings.append(string)
        }
        return nil
    }

    /// futex: the host's own, on the host address of the program's word, so waiters
    /// and wakers on different threads (or the kernel's clear-child-tid) meet.
    func futex(_ a: [UInt64]) -> Int {
        let command = a[1] & 0x7F
        guard a[0] % 4 == 0, let word = memory.hostAddress(a[0], write: false) else { return LinuxKernel.efault }
        var timeout: [UInt8]?
        var second = 0
        var value2 = Int(bitPattern: UInt(a[3]))
        switch command {
        case 0, 9, 6, 11, 13:  // WAIT, WAIT_BITSET, LOCK_PI, WAIT_REQUEUE_PI, LOCK_PI2: a3 is a timeout
            if a[3] != 0 {
                guard let t = memory.read(a[3], count: 16) else { return LinuxKernel.efault }
                timeout = t
            }
            value2 = 0
        case 3, 4, 5, 12:  // REQUEUE, CMP_REQUEUE, WAKE_OP, CMP_REQUEUE_PI: a second word
            guard a[4] % 4 == 0, let other = memory.hostAddress(a[4], write: false) else { return LinuxKernel.efault }
            second = Int(bitPattern: other)
        case 1, 10, 7, 8: break  // WAKE, WAKE_BITSET, UNLOCK_PI, TRYLOCK_PI
        default: return -HostSystemCall.ENOSYS
        }
        func call(_ timeoutPointer: Int) -> Int {
            HostSystemCall.invoke(SystemCallTable.host(98), Int(bitPattern: word), Int(a[1]), Int(truncatingIfNeeded: a[2]),
                                  timeout == nil ? value2 : timeoutPointer, second, Int(truncatingIfNeeded: a[5]))
        }
        guard let timeout else { return call(0) }
        // SAFETY: `timeout` is the 16-byte timespec read from the program; the call is inside the closure.
        return timeout.withUnsafeBytes { call(Int(bitPattern: $0.baseAddress)) }
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        // SAFETY: the value's own bytes, copied inside the closure.
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

extension LinuxKernel {
    /// prctl options that are plain integers to the host and concern the whole host
    /// process as they concern the program: PDEATHSIG, DUMPABLE, KEEPCAPS, CAPBSET_READ,
    /// SECUREBITS, TIMERSLACK, MCE_KILL, CHILD_SUBREAPER, NO_NEW_PRIVS, THP_DISABLE, SET_PTRACER.
    static let integerControls: Set<UInt64> = [1, 3, 4, 7, 8, 23, 27, 28, 29, 30, 33, 34, 36, 38, 39, 41, 42, 0x5961_6D61]

    /// prctl as programs use it: thread names kept by the monitor, integer options passed
    /// to the host, the auxiliary vector and the clear-tid address answered from the
    /// program's own, anonymous mappings named for /proc/self/maps. A seccomp filter is
    /// refused (EINVAL): it would judge the host's calls, not the program's.
    func processControl(_ a: [UInt64], on thread: UserThread) -> Int {
        switch a[0] {
        case 15:  // PR_SET_NAME
            guard let name = memory.bytes(ofString: a[1], limit: 64) else { return LinuxKernel.efault }
            thread.name = Array(name.prefix(15))
            return 0
        case 16:  // PR_GET_NAME
            let name = thread.name + [UInt8](repeating: 0, count: 16 - thread.name.count)
            return memory.write(name, at: a[1]) ? 0 : LinuxKernel.efault
        case 2, 37:  // PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER: an int written back
            return forward(PassThrough(hostNumber: SystemCallTable.host(167), arguments: [.value, .output(.bytes(4))]), a)
        case let option where LinuxKernel.integerControls.contains(option):
            return forward(PassThrough(hostNumber: SystemCallTable.host(167), arguments: [.value, .value, .value, .value, .value]), a)
        case 40:  // PR_GET_TID_ADDRESS
            return memory.write(LinuxKernel.words([thread.clearChildTID]), at: a[1]) ? 0 : LinuxKernel.efault
        case 0x4155_5856:  // PR_GET_AUXV: as much as fits, and the whole vector's size
            let vector = auxiliaryVector
            let count = Int(min(a[2], UInt64(vector.count)))
            guard a[3] == 0 && a[4] == 0 else { return -HostSystemCall.EINVAL }
            guard count == 0 || memory.write(Array(vector[0..<count]), at: a[1]) else { return LinuxKernel.efault }
            return vector.count
        case 0x5356_4D41:  // PR_SET_VMA, PR_SET_VMA_ANON_NAME: "[anon:NAME]" in /proc/self/maps
            guard a[1] == 0, a[2] % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
            let length = LinuxKernel.pageAligned(a[3])
            guard memory.isMapped(a[2], length: length) else { return -HostSystemCall.ENOMEM }
            let name: [UInt8]?
            if a[4] == 0 {
                name = nil
            } else {
                guard let given = memory.bytes(ofString: a[4], limit: 80) else { return LinuxKernel.efault }
                guard given.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && !"[]\\$`".utf8.contains($0) }) else { return -HostSystemCall.EINVAL }
                name = given
            }
            lock.withLock {
                if let name {
                    mappingNames.set(MappingName(start: a[2], end: a[2] + length, name: Array("[anon:".utf8) + name + [UInt8(ascii: "]")]))
                } else {
                    mappingNames.remove(a[2], a[2] + length)
                }
            }
            return 0
        default:
            return -HostSystemCall.EINVAL
        }
    }
}
