import IsolaHost
import IsolaRISCV

/// Signals: actions, masks, delivery with a riscv64 signal frame, rt_sigreturn.
extension LinuxKernel {
    /// Delivers the first signal `thread` may take now: runs its handler (on the next
    /// instruction), ignores it, or ends the program. `interruptedCall` is the first
    /// argument of a host call that returned EINTR: the call is restarted unless a
    /// handler runs that has no SA_RESTART, or the call is one no handler restarts.
    func deliverSignals(to thread: UserThread, interruptedCall: UInt64?, restartsUnderHandler: Bool = true) {
        let hart = thread.hart
        thread.takeArrivedSignals()
        routeToSignalDescriptors(thread)
        var restart = interruptedCall != nil
        func rewind() {
            hart.pc &-= 4
            hart.x[10] = interruptedCall ?? hart.x[10]
            restart = false
        }
        while true {
            let deliverable = thread.pendingSignals & ~thread.signalMask
            guard deliverable != 0 else { break }
            let signal = Int32(deliverable.trailingZeroBitCount + 1)
            thread.pendingSignals &= ~(1 << UInt64(signal - 1))
            let action = signalActions[signal]
            if action.handler == SignalActionTable.ignoreHandler { continue }
            if action.handler == SignalActionTable.defaultHandler {
                if SignalActionTable.ignoredByDefault.contains(signal) { continue }
                terminate(bySignal: signal, on: thread)
                return
            }
            if restart {
                if action.flags & SignalActionTable.restart != 0 && restartsUnderHandler { rewind() } else { restart = false }
            }
            runHandler(signal, action, info: SignalFrame.Info(signal: signal, code: SignalFrame.userCode), on: thread)
            break
        }
        if restart { rewind() }
        if let mask = thread.suspendedMask {
            thread.signalMask = mask
            thread.suspendedMask = nil
        }
        if thread.pendingSignals & ~thread.signalMask != 0 {
            // More to deliver: at the handler's first instruction boundary.
            hart.exitRequests.loadThenBitwiseOr(with: ExitRequest.monitorEvent, ordering: .acquiringAndReleasing)
        }
    }

    /// A fault in the program: its handler runs if it has one and does not block the
    /// signal; otherwise the program ends by the signal, as on Linux.
    func fault(on thread: UserThread, cause: UInt64, tval: UInt64) {
        let hart = thread.hart
        var info: SignalFrame.Info
        switch cause {
        case 2: info = .init(signal: 4, code: SignalFrame.illegalOpcode, address: hart.pc)
        case 3: info = .init(signal: 5, code: SignalFrame.breakpoint, address: hart.pc)
        case 0, 4, 6: info = .init(signal: 7, code: SignalFrame.alignment, address: tval)
        default:
            info = .init(signal: 11, code: memory.isMapped(tval) ? SignalFrame.accessError : SignalFrame.mapError, address: tval)
        }
        trace?.write("--- signal \(info.signal) at pc 0x\(String(hart.pc, radix: 16)) (cause \(cause), address 0x\(String(tval, radix: 16))) ---\n")
        let action = signalActions[info.signal]
        let blocked = thread.signalMask & (1 << UInt64(info.signal - 1)) != 0
        guard action.handler > SignalActionTable.ignoreHandler, !blocked, exitStatus == nil, terminatingSignal == nil else {
            terminate(bySignal: info.signal, on: thread)
            return
        }
        runHandler(info.signal, action, info: info, on: thread)
    }

    /// Builds the signal frame on the thread's stack (or its alternate stack) and
    /// points the hart at the handler, returning through the sigreturn trampoline.
    func runHandler(_ signal: Int32, _ action: SignalActionTable.Action, info: SignalFrame.Info, on thread: UserThread) {
        let hart = thread.hart
        let sp = hart.x[2]
        var top = sp
        let onAlternate = thread.alternateStack.map { sp > $0.base && sp <= $0.base + $0.size } ?? false
        if action.flags & SignalActionTable.onStack != 0, let alternate = thread.alternateStack, !onAlternate {
            top = alternate.base + alternate.size
        }
        let frame = (top &- UInt64(SignalFrame.size)) & ~15
        let stack = thread.alternateStack.map { ($0.base, Int32(onAlternate ? 1 : 0), $0.size) } ?? (0, 2, 0)  // SS_ONSTACK, SS_DISABLE
        let context = SignalFrame.Context(pc: hart.pc, x: (0..<32).map { hart.x[$0] }, f: (0..<32).map { hart.f[$0] },
                                          fcsr: hart.floatingPointControl, mask: thread.suspendedMask ?? thread.signalMask, stack: stack)
        guard memory.write(SignalFrame.encode(info, context), at: frame) else {
            // No room for the frame: Linux kills the program with SIGSEGV.
            terminate(bySignal: 11, on: thread)
            return
        }
        thread.suspendedMask = nil
        thread.signalMask = (context.mask | action.mask
            | (action.flags & SignalActionTable.noDefer != 0 ? 0 : 1 << UInt64(signal - 1))) & ~SignalActionTable.unblockable
        if action.flags & SignalActionTable.resetHandler != 0 {
            _ = signalActions.replace(signal, with: .init())
        }
        hart.clearReservation()
        hart.x[10] = UInt64(signal)
        hart.x[11] = frame
        hart.x[12] = frame + UInt64(SignalFrame.contextOffset)
        hart.x[2] = frame
        hart.x[1] = ProgramLoader.signalTrampoline
        hart.pc = action.handler
    }

    /// rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, sigaltstack, rt_sigreturn.
    func signalCall(_ number: Int, _ a: [UInt64], on thread: UserThread) -> Int {
        let einval = -HostSystemCall.EINVAL
        switch number {
        case 134:
            let signal = Int32(truncatingIfNeeded: a[0])
            guard (1...64).contains(signal), a[3] == 8 else { return einval }
            var new: SignalActionTable.Action?
            if a[1] != 0 {
                guard signal != 9 && signal != 19 else { return einval }
                guard let bytes = memory.read(a[1], count: 24) else { return LinuxKernel.efault }
                new = .init(handler: LinuxKernel.word(bytes, 0), flags: LinuxKernel.word(bytes, 1),
                            mask: LinuxKernel.word(bytes, 2) & ~SignalActionTable.unblockable)
            }
            let old = new.map { signalActions.replace(signal, with: $0) } ?? signalActions[signal]
            if a[2] != 0 && !memory.write(LinuxKernel.words([old.handler, old.flags, old.mask]), at: a[2]) { return LinuxKernel.efault }
            return 0
        case 135:
            guard a[3] == 8 else { return einval }
            let old = thread.signalMask
            if a[1] != 0 {
                guard let bytes = memory.read(a[1], count: 8) else { return LinuxKernel.efault }
                let set = LinuxKernel.word(bytes, 0)
                switch a[0] {
                case 0: thread.signalMask |= set
                case 1: thread.signalMask &= ~set
                case 2: thread.signalMask = set
                default: return einval
                }
                thread.signalMask &= ~SignalActionTable.unblockable
                signalActions.noteBlocked(thread.signalMask)
            }
            if a[2] != 0 && !memory.write(LinuxKernel.words([old]), at: a[2]) { return LinuxKernel.efault }
            return 0
        case 136:
            thread.pendingSignals |= HostSignal.takePending()
            return memory.write(LinuxKernel.words([thread.pendingSignals & thread.signalMask]), at: a[0]) ? 0 : LinuxKernel.efault
        case 133:
            guard a[1] == 8 else { return einval }
            guard let bytes = memory.read(a[0], count: 8) else { return LinuxKernel.efault }
            thread.suspendedMask = thread.signalMask
            thread.signalMask = LinuxKernel.word(bytes, 0) & ~SignalActionTable.unblockable
            while true {
                thread.takeArrivedSignals()
                if thread.pendingSignals & ~thread.signalMask != 0 { break }
                HostSignal.suspend()
            }
            return -HostSystemCall.EINTR
        case 137: return timedWait(a, on: thread)
        case 132:
            if a[1] != 0 {
                let current = thread.alternateStack
                let onIt = current.map { thread.hart.x[2] > $0.base && thread.hart.x[2] <= $0.base + $0.size } ?? false
                let words = LinuxKernel.words([current?.base ?? 0, onIt ? 1 : (current == nil ? 2 : 0), current?.size ?? 0])
                guard memory.write(words, at: a[1]) else { return LinuxKernel.efault }
            }
            if a[0] != 0 {
                guard let bytes = memory.read(a[0], count: 24) else { return LinuxKernel.efault }
                let flags = LinuxKernel.word(bytes, 1) & 0xFFFF_FFFF
                if flags & 2 != 0 {
                    thread.alternateStack = nil
                } else {
                    guard LinuxKernel.word(bytes, 2) >= 2048 else { return -HostSystemCall.ENOMEM }  // MINSIGSTKSZ
                    thread.alternateStack = (LinuxKernel.word(bytes, 0), LinuxKernel.word(bytes, 2))
                }
            }
            return 0
        default:  // 139, rt_sigreturn
            let hart = thread.hart
            guard let bytes = memory.read(hart.x[2], count: SignalFrame.size), let context = SignalFrame.decode(bytes) else {
                terminate(bySignal: 11, on: thread)
                return LinuxKernel.registersSet
            }
            for i in 1..<32 { hart.x[i] = context.x[i] }
            for i in 0..<32 { hart.f[i] = context.f[i] }
            hart.floatingPointControl = context.fcsr
            hart.pc = context.pc
            hart.clearReservation()
            thread.signalMask = context.mask & ~SignalActionTable.unblockable
            return LinuxKernel.registersSet
        }
    }

    /// pselect6, ppoll, epoll_pwait and epoll_pwait2 wait with the signal mask the call
    /// gives, as rt_sigsuspend does: the mask is the thread's for the wait, and the old one
    /// comes back once a handler is set up (or at once, `deliverSignals`). A signal the
    /// call's mask lets through that is already pending ends the call with EINTR before it
    /// waits, so blocking a signal and then waiting with it unblocked loses no wake-up.
    /// nil: the call goes on, under the new mask if it gave one.
    func applyCallMask(_ number: Int, _ a: [UInt64], on thread: UserThread) -> Int? {
        var pointer: UInt64 = 0, size: UInt64 = 0
        switch number {
        case 73, 22, 441: (pointer, size) = number == 73 ? (a[3], a[4]) : (a[4], a[5])
        case 72:
            guard a[5] != 0 else { return nil }
            guard let pair = memory.read(a[5], count: 16) else { return LinuxKernel.efault }
            (pointer, size) = (LinuxKernel.word(pair, 0), LinuxKernel.word(pair, 1))
        default: return nil
        }
        guard pointer != 0 else { return nil }
        guard size == 8 else { return -HostSystemCall.EINVAL }
        guard let bytes = memory.read(pointer, count: 8) else { return LinuxKernel.efault }
        thread.suspendedMask = thread.suspendedMask ?? thread.signalMask
        thread.signalMask = LinuxKernel.word(bytes, 0) & ~SignalActionTable.unblockable
        signalActions.noteBlocked(thread.signalMask)
        thread.takeArrivedSignals()
        return thread.pendingSignals & ~thread.signalMask != 0 ? -HostSystemCall.EINTR : nil
    }

    /// The monotonic time a relative `struct timespec` of the program's ends at (EFAULT,
    /// or EINVAL for a negative or unnormalized one).
    func deadline(afterTimespecAt address: UInt64) -> Result<UInt64, HostErrno> {
        guard let time = memory.read(address, count: 16) else { return .failure(HostErrno(result: LinuxKernel.efault)) }
        let seconds = Int64(bitPattern: LinuxKernel.word(time, 0)), nanoseconds = Int64(bitPattern: LinuxKernel.word(time, 1))
        guard seconds >= 0, (0..<1_000_000_000).contains(nanoseconds) else { return .failure(HostErrno(result: -HostSystemCall.EINVAL)) }
        return .success(HostClock.monotonicNanoseconds() &+ UInt64(min(seconds, 1 << 32)) * 1_000_000_000 &+ UInt64(nanoseconds))
    }

    /// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of `set`
    /// (the program blocks them, so they wait in the thread's pending set) without
    /// running its handler, waiting for one until the timeout (EAGAIN); a signal
    /// outside the set that the thread may take ends the wait with EINTR, to be delivered.
    func timedWait(_ a: [UInt64], on thread: UserThread) -> Int {
        guard a[3] == 8 else { return -HostSystemCall.EINVAL }
        guard let bytes = memory.read(a[0], count: 8) else { return LinuxKernel.efault }
        let set = LinuxKernel.word(bytes, 0) & ~SignalActionTable.unblockable
        var deadline: UInt64?
        if a[2] != 0 {
            switch self.deadline(afterTimespecAt: a[2]) {
            case let .success(time): deadline = time
            case let .failure(error): return error.result
            }
        }
        while true {
            thread.takeArrivedSignals()
            let ready = thread.pendingSignals & set
            if ready != 0 {
                let signal = ready.trailingZeroBitCount + 1
                thread.pendingSignals &= ~(1 << UInt64(signal - 1))
                if a[1] != 0 {
                    var info = [UInt8](repeating: 0, count: 128)
                    info[0] = UInt8(signal)  // si_signo; si_errno 0, si_code SI_USER
                    guard memory.write(info, at: a[1]) else { return LinuxKernel.efault }
                }
                return signal
            }
            if thread.pendingSignals & ~thread.signalMask != 0 { return -HostSystemCall.EINTR }
            if let deadline {
                let now = HostClock.monotonicNanoseconds()
                guard now < deadline else { return -HostSystemCall.EAGAIN }
                _ = HostSignal.suspend(nanoseconds: Int64(deadline - now))
            } else {
                HostSignal.suspend()
            }
        }
    }

    /// kill, tkill, tgkill of a signal the host cannot carry for the program (its own
    /// faults' signals, glibc's internal ones) to one of its own threads; nil to forward.
    func sendSignal(_ number: Int, _ a: [UInt64], on thread: UserThread) -> Int? {
        let signal = Int32(truncatingIfNeeded: a[number == 131 ? 2 : 1])
        guard SignalActionTable.keptOffHost.contains(signal) else { return nil }
        let pid = HostSystemCall.invoke(SystemCallTable.host(172))
        let target: UserThread?
        switch number {
        case 129:
            let requested = Int(Int32(truncatingIfNeeded: a[0]))
            target = requested == pid || requested == 0 ? thread : nil
        case 130: target = lock.withLock { threads[Int(Int32(truncatingIfNeeded: a[0]))] }
        default:
            target = Int(Int32(truncatingIfNeeded: a[0])) == pid ? lock.withLock { threads[Int(Int32(truncatingIfNeeded: a[1]))] } : nil
        }
        guard let target else { return nil }
        target.injectedSignals.loadThenBitwiseOr(with: 1 << UInt64(signal - 1), ordering: .acquiringAndReleasing)
        target.hart.exitRequests.loadThenBitwiseOr(with: ExitRequest.monitorEvent, ordering: .acquiringAndReleasing)
        return 0
    }
}
