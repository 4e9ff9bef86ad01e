/// Zfhmin: binary16 values in the F registers, moved, loaded, stored and converted to
/// and from single and double precision, with no half-precision arithmetic. A half is
/// NaN-boxed in the upper 48 bits; one that is not reads as the canonical NaN.
extension Hart {
    static let halfBoxMask: UInt64 = 0xFFFF_FFFF_FFFF_0000

    @inline(__always)
    func halfOperand(_ r: UInt8) -> UInt64 {
        let v = f[Int(r)]
        return v & Hart.halfBoxMask == Hart.halfBoxMask ? v & 0xFFFF : FloatFormat.half.canonicalNaN
    }

    private func writeHalf(_ r: UInt8, _ value: UInt64) {
        f[Int(r)] = (value & 0xFFFF) | Hart.halfBoxMask
        mstatus |= MStatus.fsDirty
    }

    /// Called with `mstatus.FS` already checked.
    func executeHalfPrecision(_ inst: DecodedInstruction) -> SlowOutcome {
        let rd = inst.rd
        switch inst.opcode {
        case .flh:
            guard let v = load(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), UInt16.self) else { return .trap }
            writeHalf(rd, UInt64(v))
            return .next
        case .fsh:
            // Stores the low 16 bits as they are, boxed or not (as fsw does).
            return store(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), UInt16(truncatingIfNeeded: f[Int(inst.rs2)])) ? .next : .trap
        case .fmvXH:
            x[Int(rd)] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: f[Int(inst.rs1)])))
            return .next
        case .fmvHX:
            writeHalf(rd, x[Int(inst.rs1)])
            return .next
        default:
            break
        }
        guard let rounding = RoundingMode(rawValue: inst.rm == 7 ? UInt8(frm) : inst.rm) else { return illegal(inst) }
        var sf: SoftFloat
        switch inst.opcode {
        case .fcvtSH:
            sf = SoftFloat(.single, rounding: rounding)
            writeFloat(rd, sf.convert(halfOperand(inst.rs1), from: .half), single: true)
        case .fcvtDH:
            sf = SoftFloat(.double, rounding: rounding)
            writeFloat(rd, sf.convert(halfOperand(inst.rs1), from: .half), single: false)
        case .fcvtHS:
            sf = SoftFloat(.half, rounding: rounding)
            writeHalf(rd, sf.convert(singleOperand(inst.rs1), from: .single))
        default:  // fcvt.h.d
            sf = SoftFloat(.half, rounding: rounding)
            writeHalf(rd, sf.convert(f[Int(inst.rs1)], from: .double))
        }
        if sf.flags != 0 {
            fflags |= sf.flags
            mstatus |= MStatus.fsDirty
        }
        return .next
    }
}
