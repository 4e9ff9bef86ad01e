/// Every operation the interpreter dispatches on, after decoding.
///
/// Compressed instructions decode to the same operations as their 32-bit
/// expansions. Raw value 0 marks an undecoded decode-cache slot, so a zeroed
/// cache page is an empty one.
public enum Opcode: UInt8, CaseIterable, Sendable {
    case undecoded = 0
    case illegal

    // RV64I
    case lui, auipc, jal, jalr
    case beq, bne, blt, bge, bltu, bgeu
    case lb, lh, lw, ld, lbu, lhu, lwu
    case sb, sh, sw, sd
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    case addiw, slliw, srliw, sraiw, addw, subw, sllw, srlw, sraw
    case fence, fenceI, ecall, ebreak

    // Privileged
    case mret, sret, wfi, sfenceVMA
    // Svinval: sfence.vma split into its invalidation and the orderings around it
    case sinvalVMA, sfenceWInval, sfenceInvalIR
    // Zicbom, Zicboz (Zicbop's prefetches are ORI hints: `ori x0`)
    case cboInval, cboClean, cboFlush, cboZero

    // Zicsr
    case csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci

    // M
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    case mulw, divw, divuw, remw, remuw

    // A
    case lrW, scW, amoswapW, amoaddW, amoxorW, amoandW, amoorW, amominW, amomaxW, amominuW, amomaxuW
    case lrD, scD, amoswapD, amoaddD, amoxorD, amoandD, amoorD, amominD, amomaxD, amominuD, amomaxuD

    // F
    case flw, fsw
    case fmaddS, fmsubS, fnmsubS, fnmaddS
    case faddS, fsubS, fmulS, fdivS, fsqrtS
    case fsgnjS, fsgnjnS, fsgnjxS, fminS, fmaxS
    case fcvtWS, fcvtWUS, fcvtLS, fcvtLUS
    case fcvtSW, fcvtSWU, fcvtSL, fcvtSLU
    case fmvXW, fmvWX, feqS, fltS, fleS, fclassS

    // D
    case fld, fsd
    case fmaddD, fmsubD, fnmsubD, fnmaddD
    case faddD, fsubD, fmulD, fdivD, fsqrtD
    case fsgnjD, fsgnjnD, fsgnjxD, fminD, fmaxD
    case fcvtWD, fcvtWUD, fcvtLD, fcvtLUD
    case fcvtDW, fcvtDWU, fcvtDL, fcvtDLU
    case fcvtSD, fcvtDS
    case fmvXD, fmvDX, feqD, fltD, fleD, fclassD

    // Zfhmin: half precision moved, loaded, stored and converted (no half arithmetic)
    case flh, fsh, fmvXH, fmvHX, fcvtSH, fcvtHS, fcvtDH, fcvtHD

    // Zba
    case sh1add, sh2add, sh3add, addUW, sh1addUW, sh2addUW, sh3addUW, slliUW
    // Zbb
    case andn, orn, xnor, clz, clzw, ctz, ctzw, cpop, cpopw
    case max, maxu, min, minu, sextB, sextH, zextH
    case rol, rolw, ror, rori, roriw, rorw, orcB, rev8
    // Zbs
    case bclr, bclri, bext, bexti, binv, binvi, bset, bseti
}

extension Opcode {
    /// The F, D and Zfhmin instructions (declared in one run, `flw` to `fcvtHD`).
    @inline(__always)
    var isFloatingPoint: Bool { (Opcode.flw.rawValue...Opcode.fcvtHD.rawValue).contains(rawValue) }
}
