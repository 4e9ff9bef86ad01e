import Atomics

/// The hart's outer loop: interrupts between blocks, `wfi` sleep, stop requests.
extension Hart {
    /// Instructions per block between interrupt checks: long enough to amortize
    /// the check, short enough that timer interrupts arrive within microseconds.
    static let blockBudget = 8192
    /// The longest a hart sleeps in `wfi` before re-checking on its own.
    static let maximumSleepNanoseconds: UInt64 = 50_000_000

    /// Runs until the machine stops (poweroff, reset, crash or an external stop).
    public func run() {
        let stop = machine.stopRequested
        while !stop.load(ordering: .relaxed) {
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
            } else {
                executeBlock(budget: Hart.blockBudget)
            }
        }
    }

    /// Runs at most `count` instructions (interrupts checked between blocks); for tests and tools.
    public func run(instructions count: Int) {
        var left = count
        while left > 0 && !machine.stopRequested.load(ordering: .relaxed) {
            if waitingForInterrupt {
                if !hasWakeupInterrupt { return }
                waitingForInterrupt = false
            }
            _ = checkInterrupts()
            let before = instret
            executeBlock(budget: min(left, Hart.blockBudget))
            left -= max(1, Int(instret &- before))
        }
    }

    private func sleepUntilInterrupt() {
        let now = machine.clock.hostNanoseconds(atMtime: machine.clock.mtime)
        var deadline = now &+ Hart.maximumSleepNanoseconds
        if mie & InterruptBits.mtip != 0 {
            deadline = min(deadline, machine.clock.hostNanoseconds(atMtime: machine.clint.mtimecmp[Int(hartID)]))
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
