import IsolaHost
import IsolaHypervisor
import Testing

/// How the supervisor reads a worker's end.
@Suite struct WorkerExitTests {
    @Test func eachEndMapsToAStateAndAReason() {
        let cases: [(HostProcess.Termination, [String], VMState, Bool, String)] = [
            (.exited(status: WorkerExit.poweredOff.rawValue), [], .stopped, false, "the guest powered off"),
            (.exited(status: WorkerExit.stopped.rawValue), [], .stopped, false, "the monitor stopped the VM"),
            (.exited(status: WorkerExit.reset.rawValue), ["ok"], .stopped, false, "the guest asked for a reset"),
            (.exited(status: WorkerExit.reset.rawValue), ["[ 1.0] Kernel panic - not syncing: Attempted to kill init!"], .crashed, true,
             "the guest panicked: [ 1.0] Kernel panic - not syncing: Attempted to kill init!"),
            (.exited(status: WorkerExit.guestCrashed.rawValue), [], .crashed, true, "the guest crashed (the worker log says how)"),
            (.exited(status: WorkerExit.failedToStart.rawValue), [], .crashed, true, "the VM could not start"),
            (.exited(status: 77), [], .crashed, true, "the worker exited with status 77"),
            (.signaled(signal: 9), [], .crashed, true, "the worker was killed by signal 9 (SIGKILL)"),
            (.signaled(signal: 11), [], .crashed, true, "the worker was killed by signal 11 (SIGSEGV)"),
        ]
        for (termination, console, state, crashed, reason) in cases {
            let result = Supervisor.classify(termination, console: console)
            #expect(result.0 == state && result.crashed == crashed && result.1 == reason, "\(termination): \(result)")
        }
    }
}
