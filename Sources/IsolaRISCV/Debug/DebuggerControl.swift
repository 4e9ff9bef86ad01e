import Atomics
import IsolaHost

/// An external debugger's hold on a machine (the gdb stub): breakpoints and watchpoints
/// that belong to the monitor, not to the guest (the guest's own are `TriggerModule`'s),
/// single steps, and the event that stopped the machine for the debugger.
///
/// With none set the harts run as ever, translated; with any set they run instruction
/// by instruction through the interpreter (`Hart.stepWatched`) and keep no data pages in
/// their TLBs, so every fetch and access is compared.
///
/// Threading: breakpoints, watchpoints, stop events and step requests live under one
/// mutex, taken by the debugger's thread and by harts alike (harts take it only while
/// something is set, when they already run instruction by instruction); whether anything
/// is set is an atomic flag the harts read on their fast paths.
public final class DebuggerControl: @unchecked Sendable {
    public enum WatchKind: Sendable, Hashable {
        case write, read, access
    }

    public struct Watchpoint: Sendable, Hashable {
        public let address: UInt64
        public let length: UInt64
        public let kind: WatchKind

        public init(address: UInt64, length: UInt64, kind: WatchKind) {
            self.address = address
            self.length = max(length, 1)
            self.kind = kind
        }

        func covers(_ va: UInt64, size: Int) -> Bool {
            va < address &+ length && address < va &+ UInt64(size)
        }
    }

    /// Why the machine stopped for the debugger.
    public enum StopEvent: Sendable, Equatable {
        case breakpoint(hart: Int, pc: UInt64)
        /// The access at `address` is about to happen: the hart stopped at its instruction,
        /// which has not run (GDB's RISC-V target expects this: it steps the access itself).
        case watchpoint(hart: Int, kind: WatchKind, address: UInt64)
        case stepped(hart: Int)
    }

    private var breakpoints: Set<UInt64> = []
    private var watchpoints: Set<Watchpoint> = []
    private let activeFlag = ManagedAtomic<Bool>(false)
    private let watchFlag = ManagedAtomic<Bool>(false)
    /// Whether harts must compare instructions and accesses.
    public var active: Bool { activeFlag.load(ordering: .acquiring) }
    var watchesData: Bool { watchFlag.load(ordering: .acquiring) }

    private let mutex = HostMutex()
    private var event: StopEvent?
    private var stepRequests: Set<Int> = []

    public init() {}

    // MARK: The debugger's side (machine paused)

    public func insertBreakpoint(at address: UInt64) { change { _ = breakpoints.insert(address) } }
    public func removeBreakpoint(at address: UInt64) { change { _ = breakpoints.remove(address) } }
    public func insertWatchpoint(_ w: Watchpoint) { change { _ = watchpoints.insert(w) } }
    public func removeWatchpoint(_ w: Watchpoint) { change { _ = watchpoints.remove(w) } }

    public func removeAll() {
        change {
            breakpoints.removeAll()
            watchpoints.removeAll()
        }
    }

    private func change(_ body: () -> Void) {
        mutex.withLock {
            body()
            watchFlag.store(!watchpoints.isEmpty, ordering: .releasing)
            activeFlag.store(!breakpoints.isEmpty || !watchpoints.isEmpty, ordering: .releasing)
        }
    }

    func hasBreakpoint(at pc: UInt64) -> Bool {
        mutex.withLock { breakpoints.contains(pc) }
    }

    /// Whether an event waits to be taken.
    public var hasEvent: Bool { mutex.withLock { event != nil } }

    /// The event that stopped the machine, once; nil while none happened.
    public func takeEvent() -> StopEvent? {
        mutex.withLock {
            defer { event = nil }
            return event
        }
    }

    /// Asks paused hart `hart` to run one instruction (then `.stepped`, or the watchpoint
    /// it hit, becomes the event); the caller kicks the hart.
    public func requestStep(hart: Int) {
        mutex.withLock { _ = stepRequests.insert(hart) }
    }

    // MARK: The harts' side

    /// Records `e` unless an event is already waiting; true if it was recorded.
    func record(_ e: StopEvent) -> Bool {
        mutex.withLock {
            guard event == nil else { return false }
            event = e
            return true
        }
    }

    func takeStepRequest(hart: Int) -> Bool {
        mutex.withLock { stepRequests.remove(hart) != nil }
    }

    /// The watchpoint an access of `size` bytes at `va` hits, if any.
    func watchpoint(hitBy va: UInt64, size: Int, write: Bool) -> Watchpoint? {
        mutex.withLock { watchpoints.first { w in
            guard w.covers(va, size: size) else { return false }
            switch w.kind {
            case .write: return write
            case .read: return !write
            case .access: return true
            }
        } }
    }
}

extension Hart {
    /// A debugger breakpoint at `pc` stops the machine before the instruction runs: the
    /// hart records the event, asks for the pause and waits for it at the next boundary.
    @inline(never)
    func debuggerBreakpointHit() -> Bool {
        guard let debugger, debugger.hasBreakpoint(at: pc) else { return false }
        _ = debugger.record(.breakpoint(hart: Int(hartID), pc: pc))
        machine.requestPause()
        return true
    }

    /// The pending cause that is no trap: the instruction stops unexecuted, its pc kept,
    /// for the debugger (`takePendingTrap` leaves the hart where it is).
    static let debuggerStop: UInt64 = .max - 1

    /// A debugger watchpoint on an access: the instruction stops before it, as a fault
    /// would, but with nothing taken (`debuggerStop`), and the machine pauses.
    @inline(never)
    func debuggerWatchStops(_ va: UInt64, size: Int, write: Bool) -> Bool {
        guard let debugger, let w = debugger.watchpoint(hitBy: va, size: size, write: write) else { return false }
        let kind: DebuggerControl.WatchKind = w.kind == .access ? .access : (write ? .write : .read)
        _ = debugger.record(.watchpoint(hart: Int(hartID), kind: kind, address: va))
        machine.requestPause()
        pendingCause = Hart.debuggerStop
        pendingTval = 0
        return true
    }

    /// In the pause: one instruction the debugger asked for (no interrupt is taken, as in
    /// QEMU's single step), then the event that says so.
    func serveDebuggerStep() {
        guard let debugger, debugger.takeStepRequest(hart: Int(hartID)) else { return }
        executeBlock(budget: 1)
        _ = debugger.record(.stepped(hart: Int(hartID)))
    }
}
