import Atomics
import IsolaCore

/// The SBI Hart State Management extension (HSM, EID 0x48534D, SBI v2.0 chapter 9):
/// hart_start, hart_stop, hart_get_status and the default retentive hart_suspend.
/// A hart's HSM state is an atomic on the hart (`Hart.hsmState`) because the caller
/// and the target are different threads: a start moves the target from stopped to
/// start-pending with one compare-exchange, so two harts starting it race safely, and
/// the target's run loop takes it from there.
extension SupervisorBinaryInterface {
    func hartStateManagement(fid: UInt64, hart: Hart, _ a: [UInt64]) -> (SBIError, UInt64) {
        switch fid {
        case 0:  // hart_start(hartid, start_addr, opaque)
            guard a[0] < UInt64(harts.count) else { return (.invalidParameter, 0) }
            guard a[0] < UInt64(machine.startableHarts.load(ordering: .acquiring)) else { return (.denied, 0) }
            guard machine.ram.contains(a[1], length: 2) else { return (.invalidAddress, 0) }
            let target = harts[Int(a[0])]
            target.startAddress = a[1]
            target.startOpaque = a[2]
            let (exchanged, _) = target.hsmState.compareExchange(
                expected: HSMState.stopped.rawValue, desired: HSMState.startPending.rawValue, ordering: .acquiringAndReleasing)
            guard exchanged else { return (.alreadyAvailable, 0) }
            target.kick()
            return (.success, 0)
        case 1:  // hart_stop(): the call does not return; the run loop parks the hart at once
            hart.hsmState.store(HSMState.stopped.rawValue, ordering: .releasing)
            hart.post(ExitRequest.wake)
            return (.success, 0)
        case 2:  // hart_get_status(hartid)
            guard a[0] < UInt64(harts.count) else { return (.invalidParameter, 0) }
            return (.success, UInt64(harts[Int(a[0])].hsmState.load(ordering: .acquiring)))
        case 3:  // hart_suspend(type, resume_addr, opaque): default retentive suspend behaves as wfi
            guard a[0] == 0 else { return (.notSupported, 0) }
            if !hart.hasWakeupInterrupt { hart.waitingForInterrupt = true }
            return (.success, 0)
        default:
            return (.notSupported, 0)
        }
    }
}
