/// Turns decoded instructions back into assembly text for `--trace` and the monitor.
public enum Disassembler {
    static let abiNames = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
                           "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
                           "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
                           "t3", "t4", "t5", "t6", "zero"]

    static let specialNames: [Opcode: String] = [
        .sfenceVMA: "sfence.vma", .sinvalVMA: "sinval.vma", .sfenceWInval: "sfence.w.inval", .sfenceInvalIR: "sfence.inval.ir",
        .addUW: "add.uw", .slliUW: "slli.uw",
        .sh1addUW: "sh1add.uw", .sh2addUW: "sh2add.uw", .sh3addUW: "sh3add.uw",
        .fcvtWUS: "fcvt.wu.s", .fcvtLUS: "fcvt.lu.s", .fcvtSWU: "fcvt.s.wu", .fcvtSLU: "fcvt.s.lu",
        .fcvtWUD: "fcvt.wu.d", .fcvtLUD: "fcvt.lu.d", .fcvtDWU: "fcvt.d.wu", .fcvtDLU: "fcvt.d.lu",
        .amominuW: "amominu.w", .amomaxuW: "amomaxu.w", .amominuD: "amominu.d", .amomaxuD: "amomaxu.d",
        .illegal: "illegal", .undecoded: "undecoded",
    ]

    /// The assembler mnemonic: `fcvtWS` becomes `fcvt.w.s`.
    public static func mnemonic(_ op: Opcode) -> String {
        if let special = specialNames[op] { return special }
        var out = ""
        for c in String(describing: op) {
            if c.isUppercase { out += "." + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static func xName(_ r: UInt8) -> String { abiNames[Int(r)] }
    static func fName(_ r: UInt8) -> String { "f\(r)" }

    public static func text(_ i: DecodedInstruction, pc: UInt64) -> String {
        let m = mnemonic(i.opcode)
        let rd = xName(i.rd), rs1 = xName(i.rs1), rs2 = xName(i.rs2)
        let target = "0x" + String(pc &+ UInt64(bitPattern: i.imm), radix: 16)
        switch i.opcode {
        case .lui, .auipc: return "\(m) \(rd), 0x\(String(UInt64(bitPattern: i.imm >> 12) & 0xFFFFF, radix: 16))"
        case .jal: return "\(m) \(rd), \(target)"
        case .jalr, .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu: return "\(m) \(rd), \(i.imm)(\(rs1))"
        case .beq, .bne, .blt, .bge, .bltu, .bgeu: return "\(m) \(rs1), \(rs2), \(target)"
        case .sb, .sh, .sw, .sd: return "\(m) \(rs2), \(i.imm)(\(rs1))"
        case .flw, .fld: return "\(m) \(fName(i.rd)), \(i.imm)(\(rs1))"
        case .fsw, .fsd: return "\(m) \(fName(i.rs2)), \(i.imm)(\(rs1))"
        case .csrrw, .csrrs, .csrrc: return "\(m) \(rd), 0x\(String(i.imm, radix: 16)), \(rs1)"
        case .csrrwi, .csrrsi, .csrrci: return "\(m) \(rd), 0x\(String(i.imm, radix: 16)), \(i.rs1)"
        case .ecall, .ebreak, .mret, .sret, .wfi, .fence, .fenceI, .undecoded: return m
        case .illegal: return "illegal 0x\(String(UInt64(bitPattern: i.imm), radix: 16))"
        case .sfenceVMA, .sinvalVMA: return "\(m) \(rs1), \(rs2)"
        case .sfenceWInval, .sfenceInvalIR: return m
        case .cboInval, .cboClean, .cboFlush, .cboZero: return "\(m) (\(rs1))"
        case .flh: return "\(m) \(fName(i.rd)), \(i.imm)(\(rs1))"
        case .fsh: return "\(m) \(fName(i.rs2)), \(i.imm)(\(rs1))"
        case .fmvXH: return "\(m) \(rd), \(fName(i.rs1))"
        case .fmvHX: return "\(m) \(fName(i.rd)), \(rs1)"
        case .fcvtSH, .fcvtHS, .fcvtDH, .fcvtHD: return "\(m) \(fName(i.rd)), \(fName(i.rs1))"
        case .addi, .slti, .sltiu, .xori, .ori, .andi, .slli, .srli, .srai, .addiw, .slliw, .srliw, .sraiw,
             .rori, .roriw, .bclri, .bexti, .binvi, .bseti, .slliUW:
            return "\(m) \(rd), \(rs1), \(i.imm)"
        case .clz, .clzw, .ctz, .ctzw, .cpop, .cpopw, .sextB, .sextH, .zextH, .orcB, .rev8:
            return "\(m) \(rd), \(rs1)"
        case .lrW, .lrD: return "\(m) \(rd), (\(rs1))"
        default:
            break
        }
        switch i.opcode {
        case .scW, .scD, .amoswapW, .amoaddW, .amoxorW, .amoandW, .amoorW, .amominW, .amomaxW, .amominuW, .amomaxuW,
             .amoswapD, .amoaddD, .amoxorD, .amoandD, .amoorD, .amominD, .amomaxD, .amominuD, .amomaxuD:
            return "\(m) \(rd), \(rs2), (\(rs1))"
        case .fmaddS, .fmsubS, .fnmsubS, .fnmaddS, .fmaddD, .fmsubD, .fnmsubD, .fnmaddD:
            return "\(m) \(fName(i.rd)), \(fName(i.rs1)), \(fName(i.rs2)), \(fName(i.rs3))"
        case .fcvtWS, .fcvtWUS, .fcvtLS, .fcvtLUS, .fcvtWD, .fcvtWUD, .fcvtLD, .fcvtLUD, .fmvXW, .fmvXD, .fclassS, .fclassD:
            return "\(m) \(rd), \(fName(i.rs1))"
        case .fcvtSW, .fcvtSWU, .fcvtSL, .fcvtSLU, .fcvtDW, .fcvtDWU, .fcvtDL, .fcvtDLU, .fmvWX, .fmvDX:
            return "\(m) \(fName(i.rd)), \(rs1)"
        case .fsqrtS, .fsqrtD, .fcvtSD, .fcvtDS:
            return "\(m) \(fName(i.rd)), \(fName(i.rs1))"
        case .feqS, .fltS, .fleS, .feqD, .fltD, .fleD:
            return "\(m) \(rd), \(fName(i.rs1)), \(fName(i.rs2))"
        case .faddS, .fsubS, .fmulS, .fdivS, .fsgnjS, .fsgnjnS, .fsgnjxS, .fminS, .fmaxS,
             .faddD, .fsubD, .fmulD, .fdivD, .fsgnjD, .fsgnjnD, .fsgnjxD, .fminD, .fmaxD:
            return "\(m) \(fName(i.rd)), \(fName(i.rs1)), \(fName(i.rs2))"
        default:
            return "\(m) \(rd), \(rs1), \(rs2)"
        }
    }

    /// Instructions that write no register at all (stores, branches, fences, system).
    static func hasNoDestination(_ op: Opcode) -> Bool {
        switch op {
        case .sb, .sh, .sw, .sd, .fsw, .fsd, .beq, .bne, .blt, .bge, .bltu, .bgeu,
             .fence, .fenceI, .ecall, .ebreak, .mret, .sret, .wfi, .sfenceVMA, .illegal, .undecoded,
             .sinvalVMA, .sfenceWInval, .sfenceInvalIR, .cboInval, .cboClean, .cboFlush, .cboZero, .fsh:
            return true
        default:
            return false
        }
    }

    /// Whether the instruction's `rd` is a floating-point register (for the trace's result column).
    static func writesFloatRegister(_ op: Opcode) -> Bool {
        switch op {
        case .flw, .fld, .fmaddS, .fmsubS, .fnmsubS, .fnmaddS, .faddS, .fsubS, .fmulS, .fdivS, .fsqrtS,
             .fsgnjS, .fsgnjnS, .fsgnjxS, .fminS, .fmaxS, .fcvtSW, .fcvtSWU, .fcvtSL, .fcvtSLU, .fmvWX,
             .fmaddD, .fmsubD, .fnmsubD, .fnmaddD, .faddD, .fsubD, .fmulD, .fdivD, .fsqrtD,
             .fsgnjD, .fsgnjnD, .fsgnjxD, .fminD, .fmaxD, .fcvtDW, .fcvtDWU, .fcvtDL, .fcvtDLU, .fcvtSD, .fcvtDS, .fmvDX,
             .flh, .fmvHX, .fcvtSH, .fcvtHS, .fcvtDH, .fcvtHD:
            return true
        default:
            return false
        }
    }

    /// Whether the instruction writes integer register `rd`.
    static func writesIntegerRegister(_ op: Opcode) -> Bool {
        !hasNoDestination(op) && !writesFloatRegister(op)
    }
}
