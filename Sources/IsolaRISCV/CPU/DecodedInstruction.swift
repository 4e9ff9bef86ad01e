/// One pre-decoded instruction as the decode cache stores it: 16 bytes, no references.
///
/// Integer destination registers equal to x0 are rewritten to
/// `Hart.sinkRegister` at decode time, so the interpreter writes `rd`
/// unconditionally and x0 stays zero without a branch.
public struct DecodedInstruction: Equatable, Sendable {
    public var opcode: Opcode
    public var rd: UInt8
    public var rs1: UInt8
    public var rs2: UInt8
    public var rs3: UInt8
    /// Rounding-mode field of FP operations; `aq`/`rl` bits of atomics.
    public var rm: UInt8
    /// 2 for compressed instructions, 4 otherwise.
    public var length: UInt8
    public var reserved: UInt8 = 0
    /// Sign-extended immediate; the CSR number for Zicsr; the raw bits for `illegal`.
    public var imm: Int64

    public init(_ opcode: Opcode, rd: UInt8 = 0, rs1: UInt8 = 0, rs2: UInt8 = 0, rs3: UInt8 = 0,
                rm: UInt8 = 0, imm: Int64 = 0, length: UInt8 = 4) {
        self.opcode = opcode
        self.rd = rd
        self.rs1 = rs1
        self.rs2 = rs2
        self.rs3 = rs3
        self.rm = rm
        self.length = length
        self.imm = imm
    }

    /// The instruction that raises illegal-instruction with `bits` as `mtval`.
    public static func illegal(_ bits: UInt32, length: UInt8) -> DecodedInstruction {
        DecodedInstruction(.illegal, imm: Int64(bits), length: length)
    }
}
