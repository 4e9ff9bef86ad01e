import Atomics

/// Instructions the interpreter loop does not execute inline: system, CSR,
/// division, bit manipulation, atomics and floating point.
extension Hart {
    /// Whether a FENCE's predecessor set has W and its successor set R (`imm` holds
    /// pred in bits 7:4 and succ in 3:0).
    static func fenceOrdersStoresBeforeLoads(_ inst: DecodedInstruction) -> Bool {
        inst.imm & 0x10 != 0 && inst.imm & 0x02 != 0
    }

    @inline(never)
    func executeSlow(_ inst: DecodedInstruction, at pc: UInt64, retiredInBlock: UInt64) -> SlowOutcome {
        let rd = Int(inst.rd), rs1 = Int(inst.rs1), rs2 = Int(inst.rs2)
        let a = x[rs1], b = x[rs2]
        switch inst.opcode {
        case .mulh:
            x[rd] = UInt64(bitPattern: Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b)).high)
        case .mulhsu:
            // Signed x unsigned: the unsigned high word, minus b when a is negative, without
            // a branch on a's sign (Zkt: mulhsu's time must not depend on its operands).
            let high = a.multipliedFullWidth(by: b).high
            x[rd] = high &- (b & UInt64(bitPattern: Int64(bitPattern: a) >> 63))
        case .mulhu: x[rd] = a.multipliedFullWidth(by: b).high
        case .div: x[rd] = UInt64(bitPattern: Hart.signedDivide(Int64(bitPattern: a), Int64(bitPattern: b)))
        case .divu: x[rd] = b == 0 ? .max : a / b
        case .rem: x[rd] = UInt64(bitPattern: Hart.signedRemainder(Int64(bitPattern: a), Int64(bitPattern: b)))
        case .remu: x[rd] = b == 0 ? a : a % b
        case .divw:
            x[rd] = UInt64(bitPattern: Int64(Hart.signedDivide(Int32(truncatingIfNeeded: a), Int32(truncatingIfNeeded: b))))
        case .divuw:
            let (n, d) = (UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b))
            x[rd] = Hart.sext32(d == 0 ? .max : n / d)
        case .remw:
            x[rd] = UInt64(bitPattern: Int64(Hart.signedRemainder(Int32(truncatingIfNeeded: a), Int32(truncatingIfNeeded: b))))
        case .remuw:
            let (n, d) = (UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b))
            x[rd] = Hart.sext32(d == 0 ? n : n % d)

        case .fence:
            // The host orders everything but a store before a later load (x86-TSO and
            // stronger); a fence that orders those needs a real barrier.
            if Hart.fenceOrdersStoresBeforeLoads(inst) { atomicMemoryFence(ordering: .sequentiallyConsistent) }
        case .fenceI:
            invalidateAllDecoded()
            self.pc = pc &+ UInt64(inst.length)
            return .jump
        case .ecall:
            let cause: ExceptionCause
            switch privilege {
            case .user: cause = .environmentCallFromU
            case .supervisor: cause = .environmentCallFromS
            case .machine: cause = .environmentCallFromM
            }
            if let handler = environmentCallHandler, privilege != .machine {
                // Set first so the handler can redirect the hart (a signal handler, rt_sigreturn).
                self.pc = pc &+ 4
                if handler.handleEnvironmentCall(hart: self, from: privilege) { return .exit }
            }
            pendingCause = cause.rawValue
            pendingTval = 0
            return .trap
        case .ebreak:
            pendingCause = ExceptionCause.breakpoint.rawValue
            pendingTval = pc
            return .trap
        case .mret:
            guard privilege == .machine else { return illegal(inst) }
            self.pc = machineReturn()
            return .exit
        case .sret:
            guard privilege == .machine || (privilege == .supervisor && mstatus & MStatus.tsr == 0) else { return illegal(inst) }
            self.pc = supervisorReturn()
            return .exit
        case .wfi:
            // TW traps wfi below M; in U-mode it is always illegal here (privileged spec 3.1.6.5).
            if privilege == .user || (privilege == .supervisor && mstatus & MStatus.tw != 0) { return illegal(inst) }
            self.pc = pc &+ 4
            if !hasWakeupInterrupt { waitingForInterrupt = true }
            return .exit
        case .sfenceVMA, .sinvalVMA:
            // Svinval's sinval.vma is sfence.vma's invalidation; Isola orders everything anyway.
            if privilege == .user || (privilege == .supervisor && mstatus & MStatus.tvm != 0) { return illegal(inst) }
            // With a superpage cached as 4 KiB pieces, one address is not enough to find them all.
            if inst.rs1 == 0 || superpageCached { flushTLB() } else { tlb.flush(virtualPage: a >> 12) }
            self.pc = pc &+ 4
            return .jump
        case .sfenceWInval, .sfenceInvalIR:
            // The orderings around sinval.vma: nothing to do where every invalidation is immediate. TVM does not apply.
            if privilege == .user { return illegal(inst) }
        case .cboInval, .cboClean, .cboFlush, .cboZero:
            return executeCacheBlockOperation(inst)
        case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci:
            return executeCSR(inst, at: pc, retiredInBlock: retiredInBlock)
        case .illegal:
            return illegal(inst)

        case .lrW, .scW, .amoswapW, .amoaddW, .amoxorW, .amoandW, .amoorW, .amominW, .amomaxW, .amominuW, .amomaxuW,
             .lrD, .scD, .amoswapD, .amoaddD, .amoxorD, .amoandD, .amoorD, .amominD, .amomaxD, .amominuD, .amomaxuD:
            return executeAtomic(inst)

        default:
            if inst.opcode.isFloatingPoint { return executeFloatingPoint(inst) }
            if let outcome = executeBitManipulation(inst) { return outcome }
            return illegal(inst)
        }
        return .next
    }

    /// Raises illegal-instruction with the instruction's bits in `tval` when they are known.
    func illegal(_ inst: DecodedInstruction) -> SlowOutcome {
        pendingCause = ExceptionCause.illegalInstruction.rawValue
        pendingTval = inst.opcode == .illegal ? UInt64(bitPattern: inst.imm) : 0
        return .trap
    }

    private func executeCSR(_ inst: DecodedInstruction, at pc: UInt64, retiredInBlock: UInt64) -> SlowOutcome {
        let csr = UInt16(truncatingIfNeeded: inst.imm)
        let immediateForm = inst.opcode == .csrrwi || inst.opcode == .csrrsi || inst.opcode == .csrrci
        let source = immediateForm ? UInt64(inst.rs1) : x[Int(inst.rs1)]
        let isSwap = inst.opcode == .csrrw || inst.opcode == .csrrwi
        let writes = isSwap || inst.rs1 != 0
        guard csrAccessible(csr, write: writes), let old = readCSR(csr, retiredInBlock: retiredInBlock) else {
            return illegal(inst)
        }
        if writes {
            // mip.SEIP reads as the PLIC's signal OR the software bit, but only the software
            // bit takes part in a read-modify-write (privileged spec 3.1.9); otherwise a
            // firmware setting STIP while the PLIC is asserting would latch SEIP forever.
            let base = csr == CSR.mip ? (old & ~InterruptBits.seip) | (mipSoftware & InterruptBits.seip) : old
            let new: UInt64
            switch inst.opcode {
            case .csrrw, .csrrwi: new = source
            case .csrrs, .csrrsi: new = base | source
            default: new = base & ~source
            }
            guard writeCSR(csr, new, retiredInBlock: retiredInBlock) else { return illegal(inst) }
        }
        x[Int(inst.rd)] = old
        self.pc = pc &+ 4
        // A write may enable an interrupt or change translation: end the block.
        return writes ? .exit : .next
    }

    static func signedDivide<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
        if b == 0 { return -1 }
        if a == T.min && b == -1 { return a }
        return a / b
    }

    static func signedRemainder<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
        if b == 0 { return a }
        if a == T.min && b == -1 { return 0 }
        return a % b
    }
}

/// Answers `ecall`s from S- or U-mode in the monitor instead of trapping into the guest:
/// the built-in SBI firmware implements this (para-virtualization).
public protocol EnvironmentCallHandler: AnyObject {
    /// Returns true when handled; false lets the ecall trap as usual.
    func handleEnvironmentCall(hart: Hart, from privilege: PrivilegeMode) -> Bool
}
