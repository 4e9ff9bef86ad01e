/// Decodes 16-bit RVC instructions (RV64C with the D loads and stores) into the
/// same operations as their 32-bit expansions.
public enum CompressedDecoder {
    public static func decode(_ half: UInt16) -> DecodedInstruction {
        let b = UInt32(half)
        let illegal = DecodedInstruction.illegal(b, length: 2)
        func bit(_ n: UInt32) -> UInt32 { (b >> n) & 1 }
        func bits(_ hi: UInt32, _ lo: UInt32) -> UInt32 { (b >> lo) & ((1 << (hi - lo + 1)) - 1) }
        func make(_ op: Opcode, rd: UInt8 = 0, rs1: UInt8 = 0, rs2: UInt8 = 0, imm: Int64 = 0) -> DecodedInstruction {
            DecodedInstruction(op, rd: rd, rs1: rs1, rs2: rs2, imm: imm, length: 2)
        }
        /// Sign-extends the low `width` bits.
        func sext(_ v: UInt32, _ width: UInt32) -> Int64 {
            Int64(Int32(bitPattern: v << (32 - width)) >> (32 - width))
        }
        let rdFull = bits(11, 7)
        let rs2Full = bits(6, 2)
        let rdPrime = UInt8(bits(4, 2) + 8)
        let rs1Prime = UInt8(bits(9, 7) + 8)
        let xdFull = Decoder.xd(rdFull)
        let imm6 = sext(bit(12) << 5 | bits(6, 2), 6)

        switch (b & 3, bits(15, 13)) {
        // Quadrant 0
        case (0, 0):
            let imm = bits(12, 11) << 4 | bits(10, 7) << 6 | bit(6) << 2 | bit(5) << 3
            guard imm != 0 else { return illegal }  // includes the all-zero instruction
            return make(.addi, rd: rdPrime, rs1: 2, imm: Int64(imm))
        case (0, 1):
            return make(.fld, rd: rdPrime, rs1: rs1Prime, imm: Int64(bits(12, 10) << 3 | bits(6, 5) << 6))
        case (0, 2):
            return make(.lw, rd: rdPrime, rs1: rs1Prime, imm: Int64(bits(12, 10) << 3 | bit(6) << 2 | bit(5) << 6))
        case (0, 3):
            return make(.ld, rd: rdPrime, rs1: rs1Prime, imm: Int64(bits(12, 10) << 3 | bits(6, 5) << 6))
        case (0, 5):
            return make(.fsd, rs1: rs1Prime, rs2: rdPrime, imm: Int64(bits(12, 10) << 3 | bits(6, 5) << 6))
        case (0, 6):
            return make(.sw, rs1: rs1Prime, rs2: rdPrime, imm: Int64(bits(12, 10) << 3 | bit(6) << 2 | bit(5) << 6))
        case (0, 7):
            return make(.sd, rs1: rs1Prime, rs2: rdPrime, imm: Int64(bits(12, 10) << 3 | bits(6, 5) << 6))

        // Quadrant 1
        case (1, 0):
            return make(.addi, rd: xdFull, rs1: UInt8(rdFull), imm: imm6)
        case (1, 1):
            guard rdFull != 0 else { return illegal }
            return make(.addiw, rd: xdFull, rs1: UInt8(rdFull), imm: imm6)
        case (1, 2):
            return make(.addi, rd: xdFull, rs1: 0, imm: imm6)
        case (1, 3):
            if rdFull == 2 {
                let v = bit(12) << 9 | bit(6) << 4 | bit(5) << 6 | bits(4, 3) << 7 | bit(2) << 5
                guard v != 0 else { return illegal }
                return make(.addi, rd: 2, rs1: 2, imm: sext(v, 10))
            }
            guard imm6 != 0 else { return illegal }
            return make(.lui, rd: xdFull, imm: imm6 << 12)
        case (1, 4):
            let shamt = Int64(bit(12) << 5 | bits(6, 2))
            switch bits(11, 10) {
            case 0: return make(.srli, rd: rs1Prime, rs1: rs1Prime, imm: shamt)
            case 1: return make(.srai, rd: rs1Prime, rs1: rs1Prime, imm: shamt)
            case 2: return make(.andi, rd: rs1Prime, rs1: rs1Prime, imm: imm6)
            default:
                let ops: [Opcode?] = bit(12) == 0 ? [.sub, .xor, .or, .and] : [.subw, .addw, nil, nil]
                guard let op = ops[Int(bits(6, 5))] else { return illegal }
                return make(op, rd: rs1Prime, rs1: rs1Prime, rs2: rdPrime)
            }
        case (1, 5):
            let v = bit(12) << 11 | bit(11) << 4 | bits(10, 9) << 8 | bit(8) << 10 | bit(7) << 6
                | bit(6) << 7 | bits(5, 3) << 1 | bit(2) << 5
            return make(.jal, rd: Hart.sinkRegister, imm: sext(v, 12))
        case (1, 6), (1, 7):
            let v = bit(12) << 8 | bits(11, 10) << 3 | bits(6, 5) << 6 | bits(4, 3) << 1 | bit(2) << 5
            return make(bits(15, 13) == 6 ? .beq : .bne, rs1: rs1Prime, rs2: 0, imm: sext(v, 9))

        // Quadrant 2
        case (2, 0):
            return make(.slli, rd: xdFull, rs1: UInt8(rdFull), imm: Int64(bit(12) << 5 | bits(6, 2)))
        case (2, 1):
            return make(.fld, rd: UInt8(rdFull), rs1: 2, imm: Int64(bit(12) << 5 | bits(6, 5) << 3 | bits(4, 2) << 6))
        case (2, 2):
            guard rdFull != 0 else { return illegal }
            return make(.lw, rd: xdFull, rs1: 2, imm: Int64(bit(12) << 5 | bits(6, 4) << 2 | bits(3, 2) << 6))
        case (2, 3):
            guard rdFull != 0 else { return illegal }
            return make(.ld, rd: xdFull, rs1: 2, imm: Int64(bit(12) << 5 | bits(6, 5) << 3 | bits(4, 2) << 6))
        case (2, 4):
            if bit(12) == 0 {
                if rs2Full == 0 {
                    guard rdFull != 0 else { return illegal }
                    return make(.jalr, rd: Hart.sinkRegister, rs1: UInt8(rdFull), imm: 0)
                }
                return make(.add, rd: xdFull, rs1: 0, rs2: UInt8(rs2Full))
            }
            if rs2Full == 0 {
                if rdFull == 0 { return make(.ebreak) }
                return make(.jalr, rd: 1, rs1: UInt8(rdFull), imm: 0)
            }
            return make(.add, rd: xdFull, rs1: UInt8(rdFull), rs2: UInt8(rs2Full))
        case (2, 5):
            return make(.fsd, rs1: 2, rs2: UInt8(rs2Full), imm: Int64(bits(12, 10) << 3 | bits(9, 7) << 6))
        case (2, 6):
            return make(.sw, rs1: 2, rs2: UInt8(rs2Full), imm: Int64(bits(12, 9) << 2 | bits(8, 7) << 6))
        case (2, 7):
            return make(.sd, rs1: 2, rs2: UInt8(rs2Full), imm: Int64(bits(12, 10) << 3 | bits(9, 7) << 6))
        default:
            return illegal
        }
    }
}
