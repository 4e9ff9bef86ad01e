import IsolaHost

/// What the program does with each signal (rt_sigaction), shared by its threads,
/// mirrored onto the host so that a signal the program handles interrupts the host
/// call it blocks in and one it ignores never arrives.
final class SignalActionTable: @unchecked Sendable {
    // Sendable: every access takes `lock`.
    struct Action: Equatable {
        /// SIG_DFL (0), SIG_IGN (1) or the handler's address.
        var handler: UInt64 = 0
        var flags: UInt64 = 0
        var mask: UInt64 = 0
    }

    static let defaultHandler: UInt64 = 0, ignoreHandler: UInt64 = 1
    static let onStack: UInt64 = 0x0800_0000, restart: UInt64 = 0x1000_0000
    static let noDefer: UInt64 = 0x4000_0000, resetHandler: UInt64 = 0x8000_0000
    /// SIGKILL and SIGSTOP: never blocked, caught or ignored.
    static let unblockable: UInt64 = 1 << 8 | 1 << 18
    /// Signals whose default action is to be ignored (or to stop, which the program cannot see).
    static let ignoredByDefault: Set<Int32> = [17, 18, 19, 20, 21, 22, 23, 28]
    /// Signals Isola never catches on the host: its own faults raise them (and Swift's
    /// crash handler, which reports Isola's bugs, takes SIGABRT and SIGFPE too), and
    /// glibc's internal ones (32, 33) cannot be caught. The monitor delivers them itself,
    /// so a program's abort() ends it as Linux would, not as a crash of Isola.
    static let keptOffHost: Set<Int32> = [4, 5, 6, 7, 8, 11, 32, 33]

    private var actions = [Action](repeating: Action(), count: 65)
    /// Signals some thread of the program has blocked: the host catches them even when
    /// their action is the default, so one that arrives while blocked waits in the
    /// pending set (for sigwait, or for the mask to open) instead of ending Isola at once.
    private var everBlocked: UInt64 = 0
    private let lock = HostMutex()

    /// Starts from what the host process inherited: ignored signals stay ignored across execve.
    init() {
        for signal in 1...64 where HostSignal.isIgnored(Int32(signal)) { actions[signal].handler = SignalActionTable.ignoreHandler }
    }

    subscript(signal: Int32) -> Action {
        lock.withLock { actions[Int(signal)] }
    }

    /// Sets an action and the host disposition that goes with it; answers the old one.
    func replace(_ signal: Int32, with action: Action) -> Action {
        lock.withLock {
            let old = actions[Int(signal)]
            actions[Int(signal)] = action
            if !SignalActionTable.keptOffHost.contains(signal) {
                switch action.handler {
                case SignalActionTable.defaultHandler:
                    if everBlocked & (1 << UInt64(signal - 1)) != 0 { HostSignal.catchSignal(signal) } else { HostSignal.setDefault(signal) }
                case SignalActionTable.ignoreHandler: HostSignal.setIgnored(signal)
                default: HostSignal.catchSignal(signal)
                }
            }
            return old
        }
    }

    /// A thread's mask now holds `mask`: signals newly blocked whose action is the
    /// default are caught on the host from now on (the monitor then acts as the default).
    func noteBlocked(_ mask: UInt64) {
        lock.withLock {
            let new = mask & ~everBlocked
            guard new != 0 else { return }
            everBlocked |= new
            for signal in Int32(1)...64 where new & (1 << UInt64(signal - 1)) != 0 && !SignalActionTable.keptOffHost.contains(signal)
                && actions[Int(signal)].handler == SignalActionTable.defaultHandler && signal != 9 && signal != 19 {
                HostSignal.catchSignal(signal)
            }
        }
    }
}
