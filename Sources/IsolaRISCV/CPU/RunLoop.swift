import Atomics
import IsolaHost

/// The hart's outer loop: interrupts between blocks, `wfi` sleep, stop requests.
extension Hart {
    /// Instructions per block between interrupt checks: long enough to amortize
    /// the check, short enough that timer interrupts arrive within microseconds.
    static let blockBudget = 8192
    /// The same under the translator, which runs the instructions 10-20 times faster:
    /// a timer deadline (the only interrupt nothing posts) is still seen within tens
    /// of microseconds, and the check costs a fraction as much.
    static let translatedBudget = 65536
    /// The longest a hart sleeps in `wfi` before re-checking on its own.
    static let maximumSleepNanoseconds: UInt64 = 50_000_000

    /// Runs until the machine stops (poweroff, reset, crash or an external stop).
    ///
    /// Between blocks the loop reads one word, the exit-request word; only when it
    /// is nonzero does it look at the machine's stop, pause and throttle flags, the
    /// HSM state and other harts' fences.
    public func run() {
        exitRequests.loadThenBitwiseOr(with: ExitRequest.wake, ordering: .relaxed)
        while true {
            if exitRequests.load(ordering: .relaxed) != 0 {
                guard serveExitRequests() else { return }
                if hsmState.load(ordering: .relaxed) != HSMState.started.rawValue { continue }
            }
            if waitingForInterrupt {
                if hasWakeupInterrupt {
                    waitingForInterrupt = false
                } else {
                    sleepUntilInterrupt()
                    continue
                }
            }
            _ = checkInterrupts()
            if let tracer {
                traceStep(tracer)
            } else if instrumented {
                stepWatched()
            } else if translator != nil {
                executeTranslated(budget: Hart.translatedBudget)
            } else {
                executeBlock(budget: Hart.blockBudget)
            }
        }
    }

    /// Takes the exit requests: performs fences and the monitor's requests, waits
    /// while the machine is paused or throttled or the hart is stopped. Answers
    /// false when the machine stops. Any condition that still holds afterwards
    /// re-posts a request, so the next boundary looks again.
    private func serveExitRequests() -> Bool {
        if machine.stopRequested.load(ordering: .acquiring) { return false }
        if machine.pauseRequested.load(ordering: .acquiring) {
            serveFences()
            waitWhilePaused()
            kickSelf()
            return true
        }
        if machine.throttled.load(ordering: .acquiring) {
            serveFences()
            waitWhileThrottled()
            kickSelf()
            return true
        }
        let requests = exitRequests.exchange(0, ordering: .acquiringAndReleasing)
        perform(requests)
        if hsmState.load(ordering: .acquiring) != HSMState.started.rawValue {
            if !serveHartStateChange() { parker.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() &+ Hart.maximumSleepNanoseconds) }
            kickSelf()
        }
        return true
    }

    /// Makes the next boundary look at the exit requests again.
    private func kickSelf() {
        exitRequests.loadThenBitwiseOr(with: ExitRequest.wake, ordering: .relaxed)
    }

    /// Waits, counted in `pausedHarts`, until the monitor resumes or stops the machine;
    /// fences other harts ask for meanwhile are done at once, so they never wait on a
    /// paused hart.
    private func waitWhilePaused() {
        machine.pausedHarts.wrappingIncrement(ordering: .acquiringAndReleasing)
        while machine.pauseRequested.load(ordering: .acquiring) && !machine.stopRequested.load(ordering: .acquiring) {
            parker.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() &+ Hart.maximumSleepNanoseconds)
            serveFences()
            serveDebuggerStep()
        }
        machine.pausedHarts.wrappingDecrement(ordering: .acquiringAndReleasing)
    }

    /// Waits until the CPU-bandwidth controller gives the VM time again (or the machine
    /// pauses or stops), doing other harts' fences meanwhile.
    private func waitWhileThrottled() {
        while machine.throttled.load(ordering: .acquiring) && !machine.pauseRequested.load(ordering: .acquiring)
                && !machine.stopRequested.load(ordering: .acquiring) {
            parker.park(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() &+ Hart.maximumSleepNanoseconds)
            serveFences()
        }
    }

    /// Starts a hart that `sbi_hart_start` asked to start; returns false while it stays stopped.
    func serveHartStateChange() -> Bool {
        guard hsmState.load(ordering: .acquiring) == HSMState.startPending.rawValue else {
            serveFences()  // a stopped hart has nothing cached to fence; acknowledge at once
            return false
        }
        // SBI v2.0 section 9.1: S-mode at start_addr, a0 = hartid, a1 = opaque, satp = 0, SIE = 0.
        setPrivilege(.supervisor)
        satp = 0
        mstatus &= ~MStatus.sie
        flushTLB()
        invalidateAllDecoded()
        pc = startAddress
        x[10] = hartID
        x[11] = startOpaque
        waitingForInterrupt = false
        hsmState.store(HSMState.started.rawValue, ordering: .releasing)
        return true
    }

    /// Performs the fences other harts asked for (SBI RFENCE) and acknowledges them,
    /// leaving the other requests for the run loop.
    func serveFences() {
        let fences = ExitRequest.fenceI | ExitRequest.sfenceVMA
        let requests = exitRequests.loadThenBitwiseAnd(with: ~fences, ordering: .acquiringAndReleasing) & fences
        if requests != 0 {
            perform(requests)
            kickSelf()
        }
    }

    /// Does the fences named by `ExitRequest` bits on this hart.
    func perform(_ requests: UInt32) {
        if requests & ExitRequest.fenceI != 0 { invalidateAllDecoded() }
        if requests & ExitRequest.sfenceVMA != 0 { flushTLB() }
        if requests & ExitRequest.trimCaches != 0 { trimDecoded() }
        if requests & ExitRequest.monitorEvent != 0 { exceptionHandler?.handleMonitorEvent(hart: self) }
    }

    private func sleepUntilInterrupt() {
        let now = machine.clock.hostNanoseconds(atMtime: machine.clock.mtime)
        var deadline = now &+ Hart.maximumSleepNanoseconds
        if mie & InterruptBits.mtip != 0 {
            deadline = min(deadline, machine.clock.hostNanoseconds(atMtime: machine.clint.compare(of: Int(hartID))))
        }
        if mie & InterruptBits.stip != 0 && stimecmp != .max {
            deadline = min(deadline, machine.clock.hostNanoseconds(atMtime: stimecmp))
        }
        parker.park(untilMonotonicNanoseconds: deadline)
    }

    private func traceStep(_ tracer: InstructionTracer) {
        let pc = self.pc
        let privilege = self.privilege
        let instruction = peekInstruction(at: pc)
        let before = instret
        executeBlock(budget: 1)
        tracer.record(hart: self, pc: pc, instruction: instruction, privilege: privilege, trapped: instret == before)
    }

    /// The instruction at `pc` as the interpreter will see it, without taking any fault.
    func peekInstruction(at pc: UInt64) -> DecodedInstruction? {
        let savedCause = pendingCause, savedTval = pendingTval
        defer { pendingCause = savedCause; pendingTval = savedTval }
        guard let entry = fetchEntry(pc), let page = entry.decoded else { return nil }
        let cached = page[Int((pc & 0xFFF) >> 1)]
        if cached.opcode != .undecoded { return cached }
        return decode(at: pc, entry: entry, page: page)
    }
}
