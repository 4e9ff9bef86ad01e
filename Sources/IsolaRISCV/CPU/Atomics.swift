import Atomics

/// The A extension on guest RAM with host atomic instructions, so harts on
/// different host threads see each other's LR/SC and AMOs atomically.
extension Hart {
    func executeAtomic(_ inst: DecodedInstruction) -> SlowOutcome {
        let address = x[Int(inst.rs1)]
        let operand = x[Int(inst.rs2)]
        let isDouble: Bool
        switch inst.opcode {
        case .lrD, .scD, .amoswapD, .amoaddD, .amoxorD, .amoandD, .amoorD, .amominD, .amomaxD, .amominuD, .amomaxuD:
            isDouble = true
        default:
            isDouble = false
        }
        let size: UInt64 = isDouble ? 8 : 4
        let isLoadReserved = inst.opcode == .lrW || inst.opcode == .lrD
        // AMOs and LR/SC must be naturally aligned (no misaligned atomicity here).
        guard address & (size - 1) == 0 else {
            pendingCause = (isLoadReserved ? ExceptionCause.loadAddressMisaligned : .storeAddressMisaligned).rawValue
            pendingTval = address
            return .trap
        }
        let access: AccessType = isLoadReserved ? .read : .write
        guard let host = atomicHostPointer(address, size: size, access: access) else {
            return .trap
        }
        let rd = Int(inst.rd)
        if isDouble {
            // SAFETY: `host` points into guest RAM, 8-byte aligned (guest alignment checked above, RAM page-aligned).
            let atomic = UnsafeAtomic<UInt64>(at: host.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
            x[rd] = atomicOperation(inst.opcode, atomic, address: address, operand: operand)
        } else {
            // SAFETY: as above, 4-byte aligned.
            let atomic = UnsafeAtomic<UInt32>(at: host.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
            let result = atomicOperation(inst.opcode, atomic, address: address, operand: UInt32(truncatingIfNeeded: operand))
            x[rd] = Hart.sext32(result)
        }
        return .next
    }

    private func atomicOperation<T: FixedWidthInteger & UnsignedInteger & AtomicInteger>(
        _ op: Opcode, _ atomic: UnsafeAtomic<T>, address: UInt64, operand: T
    ) -> T where T.AtomicRepresentation.Value == T {
        switch op {
        case .lrW, .lrD:
            let v = atomic.load(ordering: .sequentiallyConsistent)
            reservationAddress = address
            reservationValue = UInt64(truncatingIfNeeded: v)
            return v
        case .scW, .scD:
            // The store succeeds only if the reservation holds and memory still has the value LR saw.
            defer { reservationAddress = Hart.noReservation }
            guard reservationAddress == address else { return 1 }
            let (exchanged, _) = atomic.compareExchange(expected: T(truncatingIfNeeded: reservationValue), desired: operand,
                                                       ordering: .sequentiallyConsistent)
            return exchanged ? 0 : 1
        case .amoswapW, .amoswapD: return atomic.exchange(operand, ordering: .sequentiallyConsistent)
        case .amoaddW, .amoaddD: return atomic.loadThenWrappingIncrement(by: operand, ordering: .sequentiallyConsistent)
        case .amoxorW, .amoxorD: return atomic.loadThenBitwiseXor(with: operand, ordering: .sequentiallyConsistent)
        case .amoandW, .amoandD: return atomic.loadThenBitwiseAnd(with: operand, ordering: .sequentiallyConsistent)
        case .amoorW, .amoorD: return atomic.loadThenBitwiseOr(with: operand, ordering: .sequentiallyConsistent)
        default:
            // min/max: compare-and-swap loop.
            var current = atomic.load(ordering: .relaxed)
            while true {
                let replacement: T
                switch op {
                case .amominW, .amominD: replacement = Hart.signedLess(current, operand) ? current : operand
                case .amomaxW, .amomaxD: replacement = Hart.signedLess(current, operand) ? operand : current
                case .amominuW, .amominuD: replacement = Swift.min(current, operand)
                default: replacement = Swift.max(current, operand)
                }
                let (exchanged, original) = atomic.compareExchange(expected: current, desired: replacement,
                                                                   ordering: .sequentiallyConsistent)
                if exchanged { return original }
                current = original
            }
        }
    }

    private static func signedLess<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T) -> Bool {
        let flip = T(1) << (T.bitWidth - 1)
        return (a ^ flip) < (b ^ flip)
    }

    /// Translates an atomic access to a host pointer into RAM; atomics on MMIO are access faults.
    private func atomicHostPointer(_ va: UInt64, size: UInt64, access: AccessType) -> UnsafeMutableRawPointer? {
        let kind = access == .read ? TriggerModule.load : TriggerModule.store
        if triggers.watched & kind != 0 && dataTriggerFires(kind, address: va, length: Int(size)) { return nil }
        if let debugger, debugger.watchesData, debuggerWatchStops(va, size: Int(size), write: access == .write) { return nil }
        let priv = dataPrivilege
        guard let pa = translate(va, access, priv) else { return nil }
        guard machine.ram.contains(pa, length: size),
              pmp.allows(pa, length: size, access: access, privilege: priv),
              access == .read || pmp.allows(pa, length: size, access: .read, privilege: priv)
        else {
            _ = fault(access.accessFault, va)
            return nil
        }
        if access == .write {
            let page = Int((pa - machine.ram.basePhysicalAddress) >> 12)
            if pageFlags[page] & (PageFlag.code | PageFlag.translated) != 0 { invalidateDecoded(physicalAddress: pa, size: Int(size)) }
        }
        return machine.ram.hostPointer(pa)
    }
}
