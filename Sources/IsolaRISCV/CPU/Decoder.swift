/// Decodes 32-bit RISC-V instructions (RV64IMAFD, Zicsr, Zifencei, Zba/Zbb/Zbs,
/// Zfhmin, Zicbom/Zicboz, and the privileged instructions with Svinval) into `DecodedInstruction`s.
///
/// Decoding is pure: it never looks at hart state, so a decoded instruction
/// can be cached by physical address. Checks that depend on state (privilege,
/// `mstatus.FS`, the dynamic rounding mode) happen at execution.
public enum Decoder {
    /// The integer destination as the interpreter stores it: x0 becomes the sink slot.
    @inline(__always)
    static func xd(_ r: UInt32) -> UInt8 { r == 0 ? Hart.sinkRegister : UInt8(r) }

    public static func decode(_ bits: UInt32) -> DecodedInstruction {
        let rdField = (bits >> 7) & 31
        let f3 = (bits >> 12) & 7
        let r1 = UInt8((bits >> 15) & 31)
        let r2 = UInt8((bits >> 20) & 31)
        let f7 = bits >> 25
        let rd = xd(rdField)
        let immI = Int64(Int32(bitPattern: bits) >> 20)
        let illegal = DecodedInstruction.illegal(bits, length: 4)

        func r(_ op: Opcode) -> DecodedInstruction { DecodedInstruction(op, rd: rd, rs1: r1, rs2: r2) }
        func i(_ op: Opcode, _ imm: Int64 = immI) -> DecodedInstruction { DecodedInstruction(op, rd: rd, rs1: r1, imm: imm) }

        switch bits & 0x7F {
        case 0x37: return DecodedInstruction(.lui, rd: rd, imm: Int64(Int32(bitPattern: bits & 0xFFFF_F000)))
        case 0x17: return DecodedInstruction(.auipc, rd: rd, imm: Int64(Int32(bitPattern: bits & 0xFFFF_F000)))
        case 0x6F:
            let s = Int64(Int32(bitPattern: bits) >> 31)  // all ones or zero
            let imm = (s << 20) | Int64((bits >> 12) & 0xFF) << 12 | Int64((bits >> 20) & 1) << 11
                | Int64((bits >> 21) & 0x3FF) << 1
            return DecodedInstruction(.jal, rd: rd, imm: imm)
        case 0x67:
            return f3 == 0 ? i(.jalr) : illegal
        case 0x63:
            let s = Int64(Int32(bitPattern: bits) >> 31)
            let imm = (s << 12) | Int64((bits >> 7) & 1) << 11 | Int64((bits >> 25) & 0x3F) << 5
                | Int64((bits >> 8) & 0xF) << 1
            let ops: [Opcode?] = [.beq, .bne, nil, nil, .blt, .bge, .bltu, .bgeu]
            guard let op = ops[Int(f3)] else { return illegal }
            return DecodedInstruction(op, rs1: r1, rs2: r2, imm: imm)
        case 0x03:
            let ops: [Opcode?] = [.lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, nil]
            guard let op = ops[Int(f3)] else { return illegal }
            return i(op)
        case 0x23:
            let ops: [Opcode?] = [.sb, .sh, .sw, .sd, nil, nil, nil, nil]
            guard let op = ops[Int(f3)] else { return illegal }
            return DecodedInstruction(op, rs1: r1, rs2: r2, imm: storeImmediate(bits))
        case 0x13: return decodeOpImm(bits, rd: rd, rs1: r1, f3: f3, immI: immI) ?? illegal
        case 0x1B: return decodeOpImm32(bits, rd: rd, rs1: r1, f3: f3, immI: immI) ?? illegal
        case 0x33: return decodeOp(f7: f7, f3: f3, rs2: r2).map(r) ?? illegal
        case 0x3B: return decodeOp32(f7: f7, f3: f3, rs2: r2).map(r) ?? illegal
        case 0x0F:
            switch f3 {
            case 0: return DecodedInstruction(.fence, imm: Int64(bits >> 20 & 0xFF))  // pred, succ
            case 1: return DecodedInstruction(.fenceI)
            case 2:
                // CBO: rd = 0, the operation in imm[11:0], the block's address in rs1.
                guard rdField == 0 else { return illegal }
                switch bits >> 20 {
                case 0: return DecodedInstruction(.cboInval, rs1: r1)
                case 1: return DecodedInstruction(.cboClean, rs1: r1)
                case 2: return DecodedInstruction(.cboFlush, rs1: r1)
                case 4: return DecodedInstruction(.cboZero, rs1: r1)
                default: return illegal
                }
            default: return illegal
            }
        case 0x73: return decodeSystem(bits, rd: rd, rs1: r1, rs2: r2, f3: f3, f7: f7) ?? illegal
        case 0x2F: return decodeAtomic(bits, rd: rd, rs1: r1, rs2: r2, f3: f3) ?? illegal
        case 0x07:
            switch f3 {
            case 1: return DecodedInstruction(.flh, rd: UInt8(rdField), rs1: r1, imm: immI)
            case 2: return DecodedInstruction(.flw, rd: UInt8(rdField), rs1: r1, imm: immI)
            case 3: return DecodedInstruction(.fld, rd: UInt8(rdField), rs1: r1, imm: immI)
            default: return illegal
            }
        case 0x27:
            switch f3 {
            case 1: return DecodedInstruction(.fsh, rs1: r1, rs2: r2, imm: storeImmediate(bits))
            case 2: return DecodedInstruction(.fsw, rs1: r1, rs2: r2, imm: storeImmediate(bits))
            case 3: return DecodedInstruction(.fsd, rs1: r1, rs2: r2, imm: storeImmediate(bits))
            default: return illegal
            }
        case 0x43, 0x47, 0x4B, 0x4F:
            guard validRoundingMode(f3) else { return illegal }
            let double: Bool
            switch f7 & 3 {
            case 0: double = false
            case 1: double = true
            default: return illegal
            }
            let op: Opcode
            switch bits & 0x7F {
            case 0x43: op = double ? .fmaddD : .fmaddS
            case 0x47: op = double ? .fmsubD : .fmsubS
            case 0x4B: op = double ? .fnmsubD : .fnmsubS
            default: op = double ? .fnmaddD : .fnmaddS
            }
            return DecodedInstruction(op, rd: UInt8(rdField), rs1: r1, rs2: r2, rs3: UInt8(bits >> 27), rm: UInt8(f3))
        case 0x53:
            return decodeOpFP(bits, rdField: rdField, rs1: r1, rs2: r2, f3: f3, f7: f7) ?? illegal
        default:
            return illegal
        }
    }

    @inline(__always)
    static func storeImmediate(_ bits: UInt32) -> Int64 {
        Int64((Int32(bitPattern: bits) >> 25) << 5) | Int64((bits >> 7) & 0x1F)
    }

    /// Rounding-mode encodings 5 and 6 are reserved; 7 (dynamic) is checked against `frm` at run time.
    @inline(__always)
    static func validRoundingMode(_ rm: UInt32) -> Bool { rm != 5 && rm != 6 }

    static func decodeOpImm(_ bits: UInt32, rd: UInt8, rs1: UInt8, f3: UInt32, immI: Int64) -> DecodedInstruction? {
        let shamt = Int64((bits >> 20) & 0x3F)
        let funct6 = bits >> 26
        let imm12 = (bits >> 20) & 0xFFF
        func i(_ op: Opcode, _ imm: Int64) -> DecodedInstruction { DecodedInstruction(op, rd: rd, rs1: rs1, imm: imm) }
        switch f3 {
        case 0: return i(.addi, immI)
        case 2: return i(.slti, immI)
        case 3: return i(.sltiu, immI)
        case 4: return i(.xori, immI)
        case 6: return i(.ori, immI)
        case 7: return i(.andi, immI)
        case 1:
            switch funct6 {
            case 0x00: return i(.slli, shamt)
            case 0x0A: return i(.bseti, shamt)
            case 0x12: return i(.bclri, shamt)
            case 0x1A: return i(.binvi, shamt)
            default:
                switch imm12 {
                case 0x600: return i(.clz, 0)
                case 0x601: return i(.ctz, 0)
                case 0x602: return i(.cpop, 0)
                case 0x604: return i(.sextB, 0)
                case 0x605: return i(.sextH, 0)
                default: return nil
                }
            }
        default:  // 5
            switch funct6 {
            case 0x00: return i(.srli, shamt)
            case 0x10: return i(.srai, shamt)
            case 0x18: return i(.rori, shamt)
            case 0x12: return i(.bexti, shamt)
            default:
                switch imm12 {
                case 0x287: return i(.orcB, 0)
                case 0x6B8: return i(.rev8, 0)
                default: return nil
                }
            }
        }
    }

    static func decodeOpImm32(_ bits: UInt32, rd: UInt8, rs1: UInt8, f3: UInt32, immI: Int64) -> DecodedInstruction? {
        let shamt5 = Int64((bits >> 20) & 0x1F)
        let f7 = bits >> 25
        func i(_ op: Opcode, _ imm: Int64) -> DecodedInstruction { DecodedInstruction(op, rd: rd, rs1: rs1, imm: imm) }
        switch f3 {
        case 0: return i(.addiw, immI)
        case 1:
            if f7 == 0 { return i(.slliw, shamt5) }
            if bits >> 26 == 0x02 { return i(.slliUW, Int64((bits >> 20) & 0x3F)) }
            switch (bits >> 20) & 0xFFF {
            case 0x600: return i(.clzw, 0)
            case 0x601: return i(.ctzw, 0)
            case 0x602: return i(.cpopw, 0)
            default: return nil
            }
        case 5:
            switch f7 {
            case 0x00: return i(.srliw, shamt5)
            case 0x20: return i(.sraiw, shamt5)
            case 0x30: return i(.roriw, shamt5)
            default: return nil
            }
        default: return nil
        }
    }

    static func decodeOp(f7: UInt32, f3: UInt32, rs2: UInt8) -> Opcode? {
        switch (f7, f3) {
        case (0x00, 0): return .add
        case (0x00, 1): return .sll
        case (0x00, 2): return .slt
        case (0x00, 3): return .sltu
        case (0x00, 4): return .xor
        case (0x00, 5): return .srl
        case (0x00, 6): return .or
        case (0x00, 7): return .and
        case (0x20, 0): return .sub
        case (0x20, 5): return .sra
        case (0x20, 4): return .xnor
        case (0x20, 6): return .orn
        case (0x20, 7): return .andn
        case (0x01, 0): return .mul
        case (0x01, 1): return .mulh
        case (0x01, 2): return .mulhsu
        case (0x01, 3): return .mulhu
        case (0x01, 4): return .div
        case (0x01, 5): return .divu
        case (0x01, 6): return .rem
        case (0x01, 7): return .remu
        case (0x10, 2): return .sh1add
        case (0x10, 4): return .sh2add
        case (0x10, 6): return .sh3add
        case (0x05, 4): return .min
        case (0x05, 5): return .minu
        case (0x05, 6): return .max
        case (0x05, 7): return .maxu
        case (0x30, 1): return .rol
        case (0x30, 5): return .ror
        case (0x24, 1): return .bclr
        case (0x24, 5): return .bext
        case (0x34, 1): return .binv
        case (0x14, 1): return .bset
        default: return nil
        }
    }

    static func decodeOp32(f7: UInt32, f3: UInt32, rs2: UInt8) -> Opcode? {
        switch (f7, f3) {
        case (0x00, 0): return .addw
        case (0x00, 1): return .sllw
        case (0x00, 5): return .srlw
        case (0x20, 0): return .subw
        case (0x20, 5): return .sraw
        case (0x01, 0): return .mulw
        case (0x01, 4): return .divw
        case (0x01, 5): return .divuw
        case (0x01, 6): return .remw
        case (0x01, 7): return .remuw
        case (0x04, 0): return .addUW
        case (0x04, 4): return rs2 == 0 ? .zextH : nil
        case (0x10, 2): return .sh1addUW
        case (0x10, 4): return .sh2addUW
        case (0x10, 6): return .sh3addUW
        case (0x30, 1): return .rolw
        case (0x30, 5): return .rorw
        default: return nil
        }
    }

    static func decodeSystem(_ bits: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8, f3: UInt32, f7: UInt32) -> DecodedInstruction? {
        let csr = Int64(bits >> 20)
        switch f3 {
        case 0:
            switch bits {
            case 0x0000_0073: return DecodedInstruction(.ecall)
            case 0x0010_0073: return DecodedInstruction(.ebreak)
            case 0x3020_0073: return DecodedInstruction(.mret)
            case 0x1020_0073: return DecodedInstruction(.sret)
            case 0x1050_0073: return DecodedInstruction(.wfi)
            case 0x1800_0073: return DecodedInstruction(.sfenceWInval)
            case 0x1810_0073: return DecodedInstruction(.sfenceInvalIR)
            default:
                guard (bits >> 7) & 31 == 0 else { return nil }
                switch f7 {
                case 0x09: return DecodedInstruction(.sfenceVMA, rs1: rs1, rs2: rs2)
                case 0x0B: return DecodedInstruction(.sinvalVMA, rs1: rs1, rs2: rs2)
                default: return nil
                }
            }
        case 1: return DecodedInstruction(.csrrw, rd: rd, rs1: rs1, imm: csr)
        case 2: return DecodedInstruction(.csrrs, rd: rd, rs1: rs1, imm: csr)
        case 3: return DecodedInstruction(.csrrc, rd: rd, rs1: rs1, imm: csr)
        case 5: return DecodedInstruction(.csrrwi, rd: rd, rs1: rs1, imm: csr)
        case 6: return DecodedInstruction(.csrrsi, rd: rd, rs1: rs1, imm: csr)
        case 7: return DecodedInstruction(.csrrci, rd: rd, rs1: rs1, imm: csr)
        default: return nil
        }
    }

    static func decodeAtomic(_ bits: UInt32, rd: UInt8, rs1: UInt8, rs2: UInt8, f3: UInt32) -> DecodedInstruction? {
        let double: Bool
        switch f3 {
        case 2: double = false
        case 3: double = true
        default: return nil
        }
        let op: Opcode
        switch bits >> 27 {
        case 0x02:
            guard rs2 == 0 else { return nil }
            op = double ? .lrD : .lrW
        case 0x03: op = double ? .scD : .scW
        case 0x01: op = double ? .amoswapD : .amoswapW
        case 0x00: op = double ? .amoaddD : .amoaddW
        case 0x04: op = double ? .amoxorD : .amoxorW
        case 0x0C: op = double ? .amoandD : .amoandW
        case 0x08: op = double ? .amoorD : .amoorW
        case 0x10: op = double ? .amominD : .amominW
        case 0x14: op = double ? .amomaxD : .amomaxW
        case 0x18: op = double ? .amominuD : .amominuW
        case 0x1C: op = double ? .amomaxuD : .amomaxuW
        default: return nil
        }
        return DecodedInstruction(op, rd: rd, rs1: rs1, rs2: rs2, rm: UInt8((bits >> 25) & 3))
    }

    static func decodeOpFP(_ bits: UInt32, rdField: UInt32, rs1: UInt8, rs2: UInt8, f3: UInt32, f7: UInt32) -> DecodedInstruction? {
        let frd = UInt8(rdField)
        let xrd = xd(rdField)
        let rm = UInt8(f3)
        func arith(_ op: Opcode) -> DecodedInstruction? {
            validRoundingMode(f3) ? DecodedInstruction(op, rd: frd, rs1: rs1, rs2: rs2, rm: rm) : nil
        }
        func unary(_ op: Opcode, toInteger: Bool = false) -> DecodedInstruction? {
            validRoundingMode(f3) ? DecodedInstruction(op, rd: toInteger ? xrd : frd, rs1: rs1, rm: rm) : nil
        }
        func pick(_ ops: [Opcode?], _ index: UInt32, integerResult: Bool = false) -> DecodedInstruction? {
            guard index < ops.count, let op = ops[Int(index)] else { return nil }
            return DecodedInstruction(op, rd: integerResult ? xrd : frd, rs1: rs1, rs2: rs2)
        }
        switch f7 {
        case 0x00: return arith(.faddS)
        case 0x01: return arith(.faddD)
        case 0x04: return arith(.fsubS)
        case 0x05: return arith(.fsubD)
        case 0x08: return arith(.fmulS)
        case 0x09: return arith(.fmulD)
        case 0x0C: return arith(.fdivS)
        case 0x0D: return arith(.fdivD)
        case 0x2C: return rs2 == 0 ? unary(.fsqrtS) : nil
        case 0x2D: return rs2 == 0 ? unary(.fsqrtD) : nil
        case 0x10: return pick([.fsgnjS, .fsgnjnS, .fsgnjxS], f3)
        case 0x11: return pick([.fsgnjD, .fsgnjnD, .fsgnjxD], f3)
        case 0x14: return pick([.fminS, .fmaxS], f3)
        case 0x15: return pick([.fminD, .fmaxD], f3)
        case 0x20: return rs2 == 1 ? unary(.fcvtSD) : rs2 == 2 ? unary(.fcvtSH) : nil
        case 0x21: return rs2 == 0 ? unary(.fcvtDS) : rs2 == 2 ? unary(.fcvtDH) : nil
        case 0x22: return rs2 == 0 ? unary(.fcvtHS) : rs2 == 1 ? unary(.fcvtHD) : nil
        case 0x72: return (rs2 == 0 && f3 == 0) ? DecodedInstruction(.fmvXH, rd: xrd, rs1: rs1) : nil
        case 0x7A: return (rs2 == 0 && f3 == 0) ? DecodedInstruction(.fmvHX, rd: frd, rs1: rs1) : nil
        case 0x60:
            let ops: [Opcode] = [.fcvtWS, .fcvtWUS, .fcvtLS, .fcvtLUS]
            return rs2 < 4 ? unary(ops[Int(rs2)], toInteger: true) : nil
        case 0x61:
            let ops: [Opcode] = [.fcvtWD, .fcvtWUD, .fcvtLD, .fcvtLUD]
            return rs2 < 4 ? unary(ops[Int(rs2)], toInteger: true) : nil
        case 0x68:
            let ops: [Opcode] = [.fcvtSW, .fcvtSWU, .fcvtSL, .fcvtSLU]
            return rs2 < 4 ? unary(ops[Int(rs2)]) : nil
        case 0x69:
            let ops: [Opcode] = [.fcvtDW, .fcvtDWU, .fcvtDL, .fcvtDLU]
            return rs2 < 4 ? unary(ops[Int(rs2)]) : nil
        case 0x70:
            guard rs2 == 0 else { return nil }
            return pick([.fmvXW, .fclassS], f3, integerResult: true)
        case 0x71:
            guard rs2 == 0 else { return nil }
            return pick([.fmvXD, .fclassD], f3, integerResult: true)
        case 0x50: return pick([.fleS, .fltS, .feqS], f3, integerResult: true)
        case 0x51: return pick([.fleD, .fltD, .feqD], f3, integerResult: true)
        case 0x78: return (rs2 == 0 && f3 == 0) ? DecodedInstruction(.fmvWX, rd: frd, rs1: rs1) : nil
        case 0x79: return (rs2 == 0 && f3 == 0) ? DecodedInstruction(.fmvDX, rd: frd, rs1: rs1) : nil
        default: return nil
        }
    }
}
