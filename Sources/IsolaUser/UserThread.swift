import Atomics
import IsolaCore
import IsolaHost
import IsolaRISCV

/// One thread of the program: a hart in U-mode on its own host thread, and the
/// per-thread state Linux keeps (tid, signal mask, clear-child-tid address).
///
/// Threading: everything here except `hart.exitRequests` and `injectedSignals`
/// belongs to the host thread that runs `hart`.
final class UserThread: EnvironmentCallHandler, ExceptionHandler, @unchecked Sendable {
    unowned let kernel: LinuxKernel
    let hart: Hart
    /// The thread id: the host thread's own, so kill and tgkill need no translation.
    var tid: Int
    /// CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken when the thread ends.
    var clearChildTID: UInt64 = 0
    /// set_robust_list: the head of the thread's list of robust futexes it holds (0: none).
    var robustList: UInt64 = 0
    /// Signals this thread blocks.
    var signalMask: UInt64 = 0
    /// Signals that arrived and wait for the mask to let them through.
    var pendingSignals: UInt64 = 0
    /// Signals other threads sent to this one that the host cannot carry (`keptOffHost`).
    let injectedSignals = ManagedAtomic<UInt64>(0)
    /// The mask rt_sigsuspend replaced, restored once a handler has been set up.
    var suspendedMask: UInt64?
    /// prctl(PR_SET_NAME), at most 15 bytes.
    var name: [UInt8] = Array("isola".utf8)
    /// sigaltstack: base and size; nil while disabled.
    var alternateStack: (base: UInt64, size: UInt64)?

    init(kernel: LinuxKernel, memory: UserMemory, tid: Int) throws {
        self.kernel = kernel
        self.tid = tid
        let clock = GuestClock()
        let context = MachineContext(ram: memory.ram, bus: PhysicalBus(), clock: clock, clint: CLINT(hartCount: 1, clock: clock))
        hart = try Hart(hartID: 0, machine: context, decodeCacheSlots: 256)
        kernel.prepareEngine(hart)
        hart.environmentCallHandler = self
        hart.exceptionHandler = self
    }

    /// Moves the signals that arrived for this thread (the host's, and those other threads
    /// injected) into its pending set.
    func takeArrivedSignals() {
        pendingSignals |= HostSignal.takePending() | injectedSignals.exchange(0, ordering: .acquiringAndReleasing)
    }

    /// Makes signals that arrive on the calling host thread reach this hart.
    func attachToHostThread() {
        HostSignal.registerThread(requestWord: UnsafeMutableRawPointer(hart.exitRequestsAddress), bit: ExitRequest.monitorEvent)
    }

    /// Ends this thread alone (exit): wakes whoever joins it, then stops its hart.
    func finish() {
        if clearChildTID != 0, kernel.memory.write([0, 0, 0, 0], at: clearChildTID) {
            _ = kernel.futex([clearChildTID, 1, UInt64(Int32.max), 0, 0, 0])  // FUTEX_WAKE, shared, as Linux does
        }
        hart.machine.stop()
        hart.kick()  // the process VM's machine lists no harts to kick: its thread's hart is told here
    }

    func handleEnvironmentCall(hart: Hart, from privilege: PrivilegeMode) -> Bool {
        kernel.systemCall(on: self)
        return true
    }

    func handleException(hart: Hart, cause: UInt64, tval: UInt64) {
        kernel.fault(on: self, cause: cause, tval: tval)
    }

    func handleMonitorEvent(hart: Hart) {
        kernel.deliverSignals(to: self, interruptedCall: nil)
    }
}
