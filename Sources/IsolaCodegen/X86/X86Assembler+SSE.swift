/// An SSE register; the translator uses the first few as scratch for scalar doubles.
public enum X86XMM: UInt8, Sendable {
    case xmm0 = 0, xmm1, xmm2, xmm3
}

/// Scalar double-precision forms: the host FPU for RISC-V's D arithmetic.
extension X86Assembler {
    /// `op xmm, qword [m]` of SSE2's scalar doubles (F2 0F op).
    public enum ScalarDouble: UInt8 {
        case sqrt = 0x51, add = 0x58, mul = 0x59, sub = 0x5C, div = 0x5E
    }

    /// FMA3's scalar double forms `dst = src1 * dst ± m` (the 213 operand order,
    /// VEX.66.0F38.W1 op); the negated ones negate the product.
    public enum FusedMultiply: UInt8 {
        case add = 0xA9, subtract = 0xAB, negatedAdd = 0xAD, negatedSubtract = 0xAF
    }

    /// `movsd xmm, qword [m]`.
    public mutating func loadDouble(_ dst: X86XMM, _ m: X86Memory) {
        memoryForm([0x0F, 0x10], w: false, reg: dst.rawValue, m, prefix: 0xF2)
    }

    /// `movsd qword [m], xmm`.
    public mutating func storeDouble(_ m: X86Memory, _ src: X86XMM) {
        memoryForm([0x0F, 0x11], w: false, reg: src.rawValue, m, prefix: 0xF2)
    }

    public mutating func scalarDouble(_ op: ScalarDouble, _ dst: X86XMM, _ m: X86Memory) {
        memoryForm([0x0F, op.rawValue], w: false, reg: dst.rawValue, m, prefix: 0xF2)
    }

    /// `movq dst, xmm`: the double's bits in a general register.
    public mutating func movq(_ dst: X86Register, _ src: X86XMM) {
        registerForm([0x0F, 0x7E], w: true, reg: src.rawValue, rm: dst, prefix: 0x66)
    }

    /// `ucomisd xmm, qword [m]`: ZF, PF and CF as an unordered compare sets them.
    public mutating func compareDouble(_ a: X86XMM, _ m: X86Memory) {
        memoryForm([0x0F, 0x2E], w: false, reg: a.rawValue, m, prefix: 0x66)
    }

    /// `vfm…213sd dst, src1, qword [m]`. Only for operands without REX bits (the
    /// translator's memory operands are based on rbx), which the 3-byte VEX prefix
    /// here leaves out.
    public mutating func fusedMultiply(_ op: FusedMultiply, _ dst: X86XMM, _ src1: X86XMM, _ m: X86Memory) {
        precondition(!m.base.isExtended && !(m.index?.isExtended ?? false), "VEX form without REX bits")
        emit(0xC4)
        emit(0b1110_0000 | 0b00010)                                   // ~R ~X ~B, map 0F38
        emit(0x80 | (~src1.rawValue & 0xF) << 3 | 0b01)               // W1, ~vvvv, LIG, pp 66
        memoryForm([op.rawValue], w: false, reg: dst.rawValue, m)
    }
}
