import CIsolaHost

/// The F and D instructions on the hart (Zfhmin's in `executeHalfPrecision`): operand NaN-boxing, `mstatus.FS`,
/// dynamic rounding, and `fflags` accrual around `SoftFloat`. Arithmetic runs on
/// the host's FPU when its answer is certainly RISC-V's (`isola_fp_double`), and
/// in `SoftFloat` otherwise.
extension Hart {
    static let boxMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// A single-precision operand: a value not properly NaN-boxed reads as the canonical NaN.
    @inline(__always)
    func singleOperand(_ r: UInt8) -> UInt64 {
        let v = f[Int(r)]
        return v & Hart.boxMask == Hart.boxMask ? v & 0xFFFF_FFFF : FloatFormat.single.canonicalNaN
    }

    @inline(__always)
    func writeFloat(_ r: UInt8, _ value: UInt64, single: Bool) {
        f[Int(r)] = single ? value | Hart.boxMask : value
        mstatus |= MStatus.fsDirty
    }

    func executeFloatingPoint(_ inst: DecodedInstruction) -> SlowOutcome {
        guard mstatus & MStatus.fs != 0 else { return illegal(inst) }
        switch inst.opcode {
        case .fld:
            guard let v = load(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), UInt64.self) else { return .trap }
            writeFloat(inst.rd, v, single: false)
            return .next
        case .fsd:
            return store(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), f[Int(inst.rs2)]) ? .next : .trap
        case .flh, .fsh, .fmvXH, .fmvHX, .fcvtSH, .fcvtHS, .fcvtDH, .fcvtHD:
            return executeHalfPrecision(inst)
        default:
            break
        }
        let rmField = inst.rm == 7 ? UInt8(frm) : inst.rm
        if let outcome = executeOnHostFPU(inst, rounding: rmField) { return outcome }
        let usesRounding: Bool
        switch inst.opcode {
        case .flw, .fsw, .fld, .fsd, .fsgnjS, .fsgnjnS, .fsgnjxS, .fsgnjD, .fsgnjnD, .fsgnjxD,
             .fminS, .fmaxS, .fminD, .fmaxD, .fmvXW, .fmvWX, .fmvXD, .fmvDX,
             .feqS, .fltS, .fleS, .feqD, .fltD, .fleD, .fclassS, .fclassD:
            usesRounding = false
        default:
            usesRounding = true
        }
        var rounding = RoundingMode.nearestEven
        if usesRounding {
            guard let mode = RoundingMode(rawValue: rmField) else { return illegal(inst) }
            rounding = mode
        }
        let single: Bool
        switch inst.opcode {
        case .flw, .fsw, .fmaddS, .fmsubS, .fnmsubS, .fnmaddS, .faddS, .fsubS, .fmulS, .fdivS, .fsqrtS,
             .fsgnjS, .fsgnjnS, .fsgnjxS, .fminS, .fmaxS, .fcvtWS, .fcvtWUS, .fcvtLS, .fcvtLUS,
             .fcvtSW, .fcvtSWU, .fcvtSL, .fcvtSLU, .fmvXW, .fmvWX, .feqS, .fltS, .fleS, .fclassS, .fcvtSD:
            single = true
        default:
            single = false
        }
        var sf = SoftFloat(single ? .single : .double, rounding: rounding)
        func operand(_ r: UInt8) -> UInt64 { single ? singleOperand(r) : f[Int(r)] }
        let a = operand(inst.rs1), b = operand(inst.rs2)
        let rd = inst.rd

        switch inst.opcode {
        case .flw, .fld:
            let address = x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm)
            if inst.opcode == .flw {
                guard let v = load(address, UInt32.self) else { return .trap }
                writeFloat(rd, UInt64(v), single: true)
            } else {
                guard let v = load(address, UInt64.self) else { return .trap }
                writeFloat(rd, v, single: false)
            }
            return .next
        case .fsw:
            return store(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), UInt32(truncatingIfNeeded: f[Int(inst.rs2)])) ? .next : .trap
        case .fsd:
            return store(x[Int(inst.rs1)] &+ UInt64(bitPattern: inst.imm), f[Int(inst.rs2)]) ? .next : .trap

        case .faddS, .faddD: writeFloat(rd, sf.add(a, b), single: single)
        case .fsubS, .fsubD: writeFloat(rd, sf.subtract(a, b), single: single)
        case .fmulS, .fmulD: writeFloat(rd, sf.multiply(a, b), single: single)
        case .fdivS, .fdivD: writeFloat(rd, sf.divide(a, b), single: single)
        case .fsqrtS, .fsqrtD: writeFloat(rd, sf.squareRoot(a), single: single)
        case .fmaddS, .fmaddD:
            writeFloat(rd, sf.fusedMultiplyAdd(a, b, operand(inst.rs3)), single: single)
        case .fmsubS, .fmsubD:
            writeFloat(rd, sf.fusedMultiplyAdd(a, b, operand(inst.rs3), negateAddend: true), single: single)
        case .fnmsubS, .fnmsubD:
            writeFloat(rd, sf.fusedMultiplyAdd(a, b, operand(inst.rs3), negateProduct: true), single: single)
        case .fnmaddS, .fnmaddD:
            writeFloat(rd, sf.fusedMultiplyAdd(a, b, operand(inst.rs3), negateProduct: true, negateAddend: true), single: single)

        case .fsgnjS, .fsgnjD, .fsgnjnS, .fsgnjnD, .fsgnjxS, .fsgnjxD:
            let signBit = sf.format.signBit
            let signB: UInt64
            switch inst.opcode {
            case .fsgnjS, .fsgnjD: signB = b & signBit
            case .fsgnjnS, .fsgnjnD: signB = ~b & signBit
            default: signB = (a ^ b) & signBit
            }
            f[Int(rd)] = single ? ((a & ~signBit) | signB) | Hart.boxMask : (a & ~signBit) | signB
            mstatus |= MStatus.fsDirty
            return .next
        case .fminS, .fminD: writeFloat(rd, sf.minMax(a, b, maximum: false), single: single)
        case .fmaxS, .fmaxD: writeFloat(rd, sf.minMax(a, b, maximum: true), single: single)

        case .fcvtWS, .fcvtWD: x[Int(rd)] = sf.toInteger(a, signed: true, bits: 32)
        case .fcvtWUS, .fcvtWUD: x[Int(rd)] = sf.toInteger(a, signed: false, bits: 32)
        case .fcvtLS, .fcvtLD: x[Int(rd)] = sf.toInteger(a, signed: true, bits: 64)
        case .fcvtLUS, .fcvtLUD: x[Int(rd)] = sf.toInteger(a, signed: false, bits: 64)
        case .fcvtSW, .fcvtDW: writeFloat(rd, sf.fromInteger(x[Int(inst.rs1)], signed: true, bits: 32), single: single)
        case .fcvtSWU, .fcvtDWU: writeFloat(rd, sf.fromInteger(x[Int(inst.rs1)], signed: false, bits: 32), single: single)
        case .fcvtSL, .fcvtDL: writeFloat(rd, sf.fromInteger(x[Int(inst.rs1)], signed: true, bits: 64), single: single)
        case .fcvtSLU, .fcvtDLU: writeFloat(rd, sf.fromInteger(x[Int(inst.rs1)], signed: false, bits: 64), single: single)
        case .fcvtSD: writeFloat(rd, sf.convert(f[Int(inst.rs1)], from: .double), single: true)
        case .fcvtDS: writeFloat(rd, sf.convert(singleOperand(inst.rs1), from: .single), single: false)

        case .fmvXW: x[Int(rd)] = Hart.sext32(UInt32(truncatingIfNeeded: f[Int(inst.rs1)]))
        case .fmvXD: x[Int(rd)] = f[Int(inst.rs1)]
        case .fmvWX: writeFloat(rd, x[Int(inst.rs1)] & 0xFFFF_FFFF, single: true)
        case .fmvDX: writeFloat(rd, x[Int(inst.rs1)], single: false)
        case .feqS, .feqD: x[Int(rd)] = sf.equal(a, b) ? 1 : 0
        case .fltS, .fltD: x[Int(rd)] = sf.less(a, b) ? 1 : 0
        case .fleS, .fleD: x[Int(rd)] = sf.lessOrEqual(a, b) ? 1 : 0
        case .fclassS, .fclassD: x[Int(rd)] = sf.classify(a)
        default:
            return illegal(inst)
        }
        if sf.flags != 0 {
            fflags |= sf.flags
            mstatus |= MStatus.fsDirty
        }
        return .next
    }

    /// The arithmetic instructions through the host's FPU; nil when `SoftFloat` must do it.
    @inline(__always)
    private func executeOnHostFPU(_ inst: DecodedInstruction, rounding: UInt8) -> SlowOutcome? {
        let op: Int32
        let single: Bool
        switch inst.opcode {
        case .faddD: (op, single) = (0, false)
        case .fsubD: (op, single) = (1, false)
        case .fmulD: (op, single) = (2, false)
        case .fdivD: (op, single) = (3, false)
        case .fsqrtD: (op, single) = (4, false)
        case .fmaddD: (op, single) = (5, false)
        case .fmsubD: (op, single) = (6, false)
        case .fnmsubD: (op, single) = (7, false)
        case .fnmaddD: (op, single) = (8, false)
        case .faddS: (op, single) = (0, true)
        case .fsubS: (op, single) = (1, true)
        case .fmulS: (op, single) = (2, true)
        case .fdivS: (op, single) = (3, true)
        case .fsqrtS: (op, single) = (4, true)
        case .fmaddS: (op, single) = (5, true)
        case .fmsubS: (op, single) = (6, true)
        case .fnmsubS: (op, single) = (7, true)
        case .fnmaddS: (op, single) = (8, true)
        default: return nil
        }
        let flags: Int32
        if single {
            var out: UInt32 = 0
            flags = isola_fp_single(op, UInt32(truncatingIfNeeded: singleOperand(inst.rs1)), UInt32(truncatingIfNeeded: singleOperand(inst.rs2)),
                                    UInt32(truncatingIfNeeded: singleOperand(inst.rs3)), UInt32(rounding), UInt32(fflags), &out)
            guard flags >= 0 else { return nil }
            writeFloat(inst.rd, UInt64(out), single: true)
        } else {
            var out: UInt64 = 0
            flags = isola_fp_double(op, f[Int(inst.rs1)], f[Int(inst.rs2)], f[Int(inst.rs3)], UInt32(rounding), UInt32(fflags), &out)
            guard flags >= 0 else { return nil }
            writeFloat(inst.rd, out, single: false)
        }
        fflags |= UInt64(flags)
        return .next
    }
}
