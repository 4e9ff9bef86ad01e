import CIsolaHost
import IsolaCodegen

/// D-extension instructions inline: loads and stores, sign injection, moves,
/// compares, and arithmetic on the host's SSE unit (FMA3 for the fused forms).
///
/// Each checks first what makes the host's answer certainly RISC-V's, the same
/// fast path as the interpreter's (`isola_fp_double`): FS is Dirty (so nothing
/// needs marking), and for arithmetic the rounding is to nearest and NX has
/// accrued, with a normal result (a NaN, an infinity, zero or a subnormal may
/// need flags or RISC-V's canonical NaN). Anything else goes, out of line, to the
/// interpreter helper, which runs the instruction as the interpreter does.
extension UnitCompiler {
    /// The host has FMA3 (checked once).
    static let hostHasFMA = isola_host_has_fma() != 0

    static func isInlineFloat(_ d: DecodedInstruction) -> Bool {
        switch d.opcode {
        case .fld, .fsd, .fsgnjD, .fsgnjnD, .fsgnjxD, .fmvXD, .fmvDX, .feqD, .fltD, .fleD:
            return true
        case .faddD, .fsubD, .fmulD, .fdivD, .fsqrtD:
            return d.rm == 0 || d.rm == 7
        case .fmaddD, .fmsubD, .fnmsubD, .fnmaddD:
            return hostHasFMA && (d.rm == 0 || d.rm == 7)
        default:
            return false
        }
    }

    static func floatIntegerSources(_ d: DecodedInstruction) -> [Int] {
        switch d.opcode {
        case .fld, .fsd, .fmvDX: return [Int(d.rs1)]
        default: return []
        }
    }

    static func floatIntegerDestination(_ d: DecodedInstruction) -> Int? {
        switch d.opcode {
        case .fmvXD, .feqD, .fltD, .fleD: return Int(d.rd)
        default: return nil
        }
    }

    static func floatRegister(_ r: UInt8) -> X86Memory { X86Backend.field(Offset.f + 8 * Int(r)) }

    mutating func emitFloat(_ d: DecodedInstruction, index: Int, pc: UInt64) {
        let slow = assembler.makeLabel(), resume = assembler.makeLabel()
        let f = UnitCompiler.floatRegister
        let arithmetic: Bool
        switch d.opcode {
        case .faddD, .fsubD, .fmulD, .fdivD, .fsqrtD, .fmaddD, .fmsubD, .fnmsubD, .fnmaddD: arithmetic = true
        default: arithmetic = false
        }
        guardFloat(slow: slow, arithmetic: arithmetic, dynamicRounding: arithmetic && d.rm == 7)
        switch d.opcode {
        case .fld:
            effectiveAddress(d)
            probeTLB(table: Offset.readTLB, size: 8, slow: slow)
            assembler.mov(.rax, .memory(X86Memory(.rsi, index: .rdx)))
            assembler.store(f(d.rd), .rax)
        case .fsd:
            effectiveAddress(d)
            assembler.mov(.rax, .memory(f(d.rs2)))
            probeTLB(table: Offset.writeTLB, size: 8, slow: slow)
            assembler.store(X86Memory(.rsi, index: .rdx), .rax)
        case .fsgnjD, .fsgnjnD, .fsgnjxD:
            assembler.mov(.rax, .memory(f(d.rs1)))
            assembler.mov(.rcx, .memory(f(d.rs2)))
            if d.opcode == .fsgnjnD { assembler.alu(.xor, .rcx, immediate: -1) }
            assembler.shift(.shr, .rcx, immediate: 63)
            assembler.shift(.shl, .rcx, immediate: 63)  // rs2's sign (negated for fsgnjn)
            if d.opcode != .fsgnjxD {
                assembler.shift(.shl, .rax, immediate: 1)
                assembler.shift(.shr, .rax, immediate: 1)
                assembler.alu(.or, .rax, .register(.rcx))
            } else {
                assembler.alu(.xor, .rax, .register(.rcx))
            }
            assembler.store(f(d.rd), .rax)
        case .fmvXD:
            let dst = destination(Int(d.rd))
            assembler.mov(dst, .memory(f(d.rs1)))
            write(Int(d.rd), from: dst)
        case .fmvDX:
            let source = read(Int(d.rs1), into: .rax)
            assembler.store(f(d.rd), source)
        case .feqD, .fltD, .fleD:
            // Unordered (a NaN) goes to the interpreter, which raises NV as each one must.
            assembler.mov(.rcx, immediate: 0)
            assembler.loadDouble(.xmm0, f(d.rs1))
            assembler.compareDouble(.xmm0, f(d.rs2))
            assembler.jump(.parity, slow)
            assembler.set(d.opcode == .feqD ? .equal : d.opcode == .fltD ? .below : .belowOrEqual, .rcx)
            write(Int(d.rd), from: .rcx)
        default:
            assembler.loadDouble(.xmm0, f(d.rs1))
            switch d.opcode {
            case .faddD: assembler.scalarDouble(.add, .xmm0, f(d.rs2))
            case .fsubD: assembler.scalarDouble(.sub, .xmm0, f(d.rs2))
            case .fmulD: assembler.scalarDouble(.mul, .xmm0, f(d.rs2))
            case .fdivD: assembler.scalarDouble(.div, .xmm0, f(d.rs2))
            case .fsqrtD: assembler.scalarDouble(.sqrt, .xmm0, f(d.rs1))
            default:
                // rd = ±(rs1 * rs2) ± rs3: xmm0 = rs1, xmm1 = rs2, the 213 form's m = rs3.
                assembler.loadDouble(.xmm1, f(d.rs2))
                let op: X86Assembler.FusedMultiply
                switch d.opcode {
                case .fmaddD: op = .add
                case .fmsubD: op = .subtract
                case .fnmsubD: op = .negatedAdd       // -(rs1 * rs2) + rs3
                default: op = .negatedSubtract        // -(rs1 * rs2) - rs3
                }
                assembler.fusedMultiply(op, .xmm0, .xmm1, f(d.rs3))
            }
            // A normal result (biased exponent 1...0x7FE) raises nothing NX has not already.
            assembler.movq(.rax, .xmm0)
            assembler.mov(.rcx, .rax)
            assembler.shift(.shr, .rcx, immediate: 52)
            assembler.alu(.and, .rcx, immediate: 0x7FF, wide: false)
            assembler.alu(.sub, .rcx, immediate: 1, wide: false)
            assembler.alu(.cmp, .rcx, immediate: 0x7FE, wide: false)
            assembler.jump(.aboveOrEqual, slow)
            assembler.store(f(d.rd), .rax)
        }
        assembler.bind(resume)
        slowPathThroughInterpreter(d, index: index, pc: pc, from: slow, backTo: resume)
    }

    /// Jumps to `slow` unless FS is Dirty and, for arithmetic, NX has accrued and
    /// (under dynamic rounding) `frm` is round-to-nearest.
    mutating func guardFloat(slow: X86Label, arithmetic: Bool, dynamicRounding: Bool) {
        assembler.mov(.rax, .memory(X86Backend.field(Offset.mstatus)), wide: false)
        assembler.alu(.xor, .rax, immediate: -1, wide: false)
        assembler.alu(.and, .rax, immediate: Int32(truncatingIfNeeded: MStatus.fs), wide: false)
        assembler.jump(.notEqual, slow)
        if arithmetic {
            assembler.mov(.rax, .memory(X86Backend.field(Offset.fflags)), wide: false)
            assembler.alu(.and, .rax, immediate: 1, wide: false)
            assembler.jump(.equal, slow)
        }
        if dynamicRounding {
            assembler.alu(.cmp, X86Backend.field(Offset.frm), immediate: 0, size: 4)
            assembler.jump(.notEqual, slow)
        }
    }
}
