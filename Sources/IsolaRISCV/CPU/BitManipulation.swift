/// Zba, Zbb and Zbs (bit-manipulation spec 1.0).
extension Hart {
    /// Executes a bit-manipulation instruction, or returns nil if `inst` is not one.
    func executeBitManipulation(_ inst: DecodedInstruction) -> SlowOutcome? {
        let rd = Int(inst.rd)
        let a = x[Int(inst.rs1)], b = x[Int(inst.rs2)]
        let shamt = UInt64(bitPattern: inst.imm) & 63
        let result: UInt64
        switch inst.opcode {
        case .sh1add: result = (a &<< 1) &+ b
        case .sh2add: result = (a &<< 2) &+ b
        case .sh3add: result = (a &<< 3) &+ b
        case .addUW: result = (a & 0xFFFF_FFFF) &+ b
        case .sh1addUW: result = ((a & 0xFFFF_FFFF) &<< 1) &+ b
        case .sh2addUW: result = ((a & 0xFFFF_FFFF) &<< 2) &+ b
        case .sh3addUW: result = ((a & 0xFFFF_FFFF) &<< 3) &+ b
        case .slliUW: result = (a & 0xFFFF_FFFF) &<< shamt
        case .andn: result = a & ~b
        case .orn: result = a | ~b
        case .xnor: result = ~(a ^ b)
        case .clz: result = UInt64(a.leadingZeroBitCount)
        case .clzw: result = UInt64(UInt32(truncatingIfNeeded: a).leadingZeroBitCount)
        case .ctz: result = UInt64(a.trailingZeroBitCount)
        case .ctzw: result = UInt64(UInt32(truncatingIfNeeded: a).trailingZeroBitCount)
        case .cpop: result = UInt64(a.nonzeroBitCount)
        case .cpopw: result = UInt64(UInt32(truncatingIfNeeded: a).nonzeroBitCount)
        case .max: result = Int64(bitPattern: a) > Int64(bitPattern: b) ? a : b
        case .maxu: result = a > b ? a : b
        case .min: result = Int64(bitPattern: a) < Int64(bitPattern: b) ? a : b
        case .minu: result = a < b ? a : b
        case .sextB: result = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: a)))
        case .sextH: result = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: a)))
        case .zextH: result = a & 0xFFFF
        case .rol: result = a.rotatedLeft(b & 63)
        case .ror: result = a.rotatedLeft((64 - (b & 63)) & 63)
        case .rori: result = a.rotatedLeft((64 - shamt) & 63)
        case .rolw: result = Hart.sext32(UInt32(truncatingIfNeeded: a).rotatedLeft(UInt32(b & 31)))
        case .rorw: result = Hart.sext32(UInt32(truncatingIfNeeded: a).rotatedLeft(UInt32((32 - (b & 31)) & 31)))
        case .roriw: result = Hart.sext32(UInt32(truncatingIfNeeded: a).rotatedLeft(UInt32((32 - (shamt & 31)) & 31)))
        case .orcB:
            var r: UInt64 = 0
            for i in 0..<8 where (a >> UInt64(8 * i)) & 0xFF != 0 { r |= 0xFF << UInt64(8 * i) }
            result = r
        case .rev8: result = a.byteSwapped
        case .bclr: result = a & ~(1 &<< (b & 63))
        case .bclri: result = a & ~(1 &<< shamt)
        case .bext: result = (a &>> (b & 63)) & 1
        case .bexti: result = (a &>> shamt) & 1
        case .binv: result = a ^ (1 &<< (b & 63))
        case .binvi: result = a ^ (1 &<< shamt)
        case .bset: result = a | (1 &<< (b & 63))
        case .bseti: result = a | (1 &<< shamt)
        default: return nil
        }
        x[rd] = result
        return .next
    }
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// Branch-free, so its time does not depend on the amount (Zkt lists the rotations).
    @inline(__always)
    func rotatedLeft<S: FixedWidthInteger>(_ n: S) -> Self {
        let k = Int(n) & (Self.bitWidth - 1)
        return (self &<< k) | (self &>> ((Self.bitWidth - k) & (Self.bitWidth - 1)))
    }
}
