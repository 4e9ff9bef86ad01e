import IsolaRISCV

/// A random but well-formed RISC-V instruction stream for the differential
/// tester: integer, M, Zba/Zbb, compressed, loads and stores (aligned,
/// misaligned, across a page end, faulting outside RAM, some rewriting the
/// stream's own code), forward branches and jumps, CSR reads and writes
/// (instret among them), atomics, F/D arithmetic and traps (ecall, ebreak,
/// illegal), which the handler at `EnginePair.handler` steps over.
struct RandomStream {
    struct Instruction {
        var bits: UInt32
        var length: Int
        /// For branches and jumps: the index of the instruction they go to, fixed up once
        /// every address is known.
        var targetIndex: Int?
    }

    private(set) var bytes: [UInt8] = []
    private(set) var listing = ""

    /// The trap handler: mepc += 4 (every instruction that traps here is 4 bytes), mret.
    static let handlerBytes: [UInt8] = words([
        0x3410_2FF3,  // csrr t6, mepc
        0x004F_8F93,  // addi t6, t6, 4
        0x341F_9073,  // csrw mepc, t6
        0x3020_0073,  // mret
    ])

    static func words(_ values: [UInt32]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    // MARK: Encodings (unprivileged spec chapter 2)

    static func r(_ opcode: UInt32, rd: Int, f3: UInt32, rs1: Int, rs2: Int, f7: UInt32) -> UInt32 {
        f7 << 25 | UInt32(rs2) << 20 | UInt32(rs1) << 15 | f3 << 12 | UInt32(rd) << 7 | opcode
    }

    static func i(_ opcode: UInt32, rd: Int, f3: UInt32, rs1: Int, imm: Int) -> UInt32 {
        UInt32(bitPattern: Int32(imm) & 0xFFF) << 20 | UInt32(rs1) << 15 | f3 << 12 | UInt32(rd) << 7 | opcode
    }

    static func s(_ f3: UInt32, rs1: Int, rs2: Int, imm: Int) -> UInt32 {
        let v = UInt32(bitPattern: Int32(imm))
        return (v >> 5 & 0x7F) << 25 | UInt32(rs2) << 20 | UInt32(rs1) << 15 | f3 << 12 | (v & 0x1F) << 7 | 0x23
    }

    static func b(_ f3: UInt32, rs1: Int, rs2: Int, offset: Int) -> UInt32 {
        let v = UInt32(bitPattern: Int32(offset))
        return (v >> 12 & 1) << 31 | (v >> 5 & 0x3F) << 25 | UInt32(rs2) << 20 | UInt32(rs1) << 15 | f3 << 12
            | (v >> 1 & 0xF) << 8 | (v >> 11 & 1) << 7 | 0x63
    }

    static func j(rd: Int, offset: Int) -> UInt32 {
        let v = UInt32(bitPattern: Int32(offset))
        return (v >> 20 & 1) << 31 | (v >> 1 & 0x3FF) << 21 | (v >> 11 & 1) << 20 | (v >> 12 & 0xFF) << 12 | UInt32(rd) << 7 | 0x6F
    }

    // MARK: Generation

    /// Registers the stream may write: not s0, s1 (data bases), s2 (code base), t6 (the handler's).
    static let writable = (1..<31).filter { ![8, 9, 18].contains($0) }

    static func make(_ random: inout SplitMix, count: Int) -> RandomStream {
        var list: [Instruction] = []
        // The prologue points mtvec at the handler and turns the FPU on (mstatus.FS = initial).
        list.append(Instruction(bits: 0x0000_F297, length: 4))  // auipc t0, 0xf
        list.append(Instruction(bits: 0x3052_9073, length: 4))  // csrw mtvec, t0
        list.append(Instruction(bits: 0x0000_22B7, length: 4))  // lui t0, 0x2
        list.append(Instruction(bits: 0x3002_A073, length: 4))  // csrs mstatus, t0
        while list.count < count { list.append(contentsOf: one(&random, at: list.count, count: count)) }
        list.append(Instruction(bits: 0x0000_006F, length: 4))  // j . (the end)
        var offsets: [Int] = []
        var offset = 0
        for inst in list {
            offsets.append(offset)
            offset += inst.length
        }
        var stream = RandomStream()
        for (index, var inst) in list.enumerated() {
            if let target = inst.targetIndex {
                let delta = offsets[min(target, list.count - 1)] - offsets[index]
                inst.bits = inst.bits & 0x7F == 0x6F ? j(rd: Int(inst.bits >> 7 & 31), offset: delta)
                    : b(inst.bits >> 12 & 7, rs1: Int(inst.bits >> 15 & 31), rs2: Int(inst.bits >> 20 & 31), offset: delta)
            }
            let pc = EnginePair.codeBase + UInt64(offsets[index])
            if inst.length == 2 {
                stream.bytes += [UInt8(inst.bits & 0xFF), UInt8(inst.bits >> 8 & 0xFF)]
                stream.listing += "  \(String(pc, radix: 16)): \(Disassembler.text(CompressedDecoder.decode(UInt16(inst.bits)), pc: pc))\n"
            } else {
                stream.bytes += words([inst.bits])
                stream.listing += "  \(String(pc, radix: 16)): \(Disassembler.text(Decoder.decode(inst.bits), pc: pc))\n"
            }
        }
        return stream
    }

    private static func one(_ random: inout SplitMix, at index: Int, count: Int) -> [Instruction] {
        func reg() -> Int { random.below(32) }
        func rd() -> Int { writable[random.below(writable.count)] }
        func imm12() -> Int { random.below(4096) - 2048 }
        func four(_ bits: UInt32) -> [Instruction] { [Instruction(bits: bits, length: 4)] }
        switch random.below(100) {
        case 0..<18:  // OP: RV64I, M, Zba, Zbb
            let forms: [(UInt32, UInt32)] = [(0, 0), (0x20, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0x20, 5), (0, 6), (0, 7),
                                             (1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7),
                                             (0x10, 2), (0x10, 4), (0x10, 6), (0x20, 7), (0x20, 6), (0x20, 4),
                                             (0x30, 1), (0x30, 5), (0x05, 4), (0x05, 5), (0x05, 6), (0x05, 7)]
            let (f7, f3) = forms[random.below(forms.count)]
            return four(r(0x33, rd: rd(), f3: f3, rs1: reg(), rs2: reg(), f7: f7))
        case 18..<26:  // OP-32
            let forms: [(UInt32, UInt32)] = [(0, 0), (0x20, 0), (0, 1), (0, 5), (0x20, 5), (1, 0), (1, 4), (1, 5), (1, 6), (1, 7), (0x04, 0)]
            let (f7, f3) = forms[random.below(forms.count)]
            return four(r(0x3B, rd: rd(), f3: f3, rs1: reg(), rs2: reg(), f7: f7))
        case 26..<38:  // OP-IMM
            let f3 = UInt32(random.below(8))
            switch f3 {
            case 1: return four(i(0x13, rd: rd(), f3: 1, rs1: reg(), imm: random.below(64)))
            case 5:
                let high = [0, 0x400, 0x600][random.below(3)]  // srli, srai, rori
                return four(i(0x13, rd: rd(), f3: 5, rs1: reg(), imm: high | random.below(64)))
            default: return four(i(0x13, rd: rd(), f3: f3, rs1: reg(), imm: imm12()))
            }
        case 38..<42:  // OP-IMM-32
            switch random.below(4) {
            case 0: return four(i(0x1B, rd: rd(), f3: 0, rs1: reg(), imm: imm12()))
            case 1: return four(i(0x1B, rd: rd(), f3: 1, rs1: reg(), imm: random.below(32)))
            case 2: return four(i(0x1B, rd: rd(), f3: 5, rs1: reg(), imm: random.below(32)))
            default: return four(i(0x1B, rd: rd(), f3: 5, rs1: reg(), imm: 0x400 | random.below(32)))
            }
        case 42..<45:  // LUI, AUIPC
            let opcode: UInt32 = random.below(2) == 0 ? 0x37 : 0x17
            return four(UInt32(truncatingIfNeeded: random.next()) & 0xFFFF_F000 | UInt32(rd()) << 7 | opcode)
        case 45..<58:  // loads: mostly into the data window, some anywhere (faults), some misaligned
            let base = random.below(10) == 0 ? reg() : [8, 9][random.below(2)]
            let f3 = [0, 1, 2, 3, 4, 5, 6][random.below(7)]
            return four(i(0x03, rd: random.below(20) == 0 ? 0 : rd(), f3: UInt32(f3), rs1: base, imm: imm12()))
        case 58..<68:  // stores: the data window, sometimes the code (s2), sometimes anywhere
            let roll = random.below(20)
            let base = roll == 0 ? reg() : roll == 1 ? 18 : [8, 9][random.below(2)]
            let offset = base == 18 ? random.below(64) * 4 : imm12()
            return four(s(UInt32(random.below(4)), rs1: base, rs2: reg(), imm: offset))
        case 68..<78:  // forward branches and jumps
            let target = index + 1 + random.below(12)
            if random.below(4) == 0 {
                return [Instruction(bits: 0x6F | UInt32(random.below(3) == 0 ? 0 : rd()) << 7, length: 4, targetIndex: target)]
            }
            let f3 = [0, 1, 4, 5, 6, 7][random.below(6)]
            return [Instruction(bits: UInt32(f3) << 12 | UInt32(reg()) << 15 | UInt32(random.below(3) == 0 ? 0 : reg()) << 20 | 0x63,
                                length: 4, targetIndex: target)]
        case 78..<86:  // compressed: c.addi, c.li, c.mv, c.add, c.slli, c.andi
            let r = rd()
            let imm = random.below(64)
            let compact = 8 + random.below(8)
            let forms: [UInt32] = [
                UInt32(imm >> 5 & 1) << 12 | UInt32(r) << 7 | UInt32(imm & 31) << 2 | 0x01,           // c.addi
                0x4000 | UInt32(imm >> 5 & 1) << 12 | UInt32(r) << 7 | UInt32(imm & 31) << 2 | 0x01,  // c.li
                0x8000 | UInt32(r) << 7 | UInt32(1 + random.below(31)) << 2 | 0x02,                  // c.mv
                0x9000 | UInt32(r) << 7 | UInt32(1 + random.below(31)) << 2 | 0x02,                  // c.add
                UInt32(r) << 7 | UInt32(1 + random.below(31)) << 2 | 0x02,                           // c.slli
                0x8800 | UInt32(imm >> 5 & 1) << 12 | UInt32(compact & 7) << 7 | UInt32(imm & 31) << 2 | 0x01,  // c.andi
            ]
            let form = forms[random.below(forms.count)]
            if form & 3 == 1 && form >> 13 == 4 && [8, 9].contains(compact) { return [] }  // c.andi on s0/s1
            return [Instruction(bits: form, length: 2)]
        case 86..<90:  // CSRs: counters, mscratch, fflags
            let csr = [0xC02, 0xC00, 0xB02, 0x340, 0x001, 0x003][random.below(6)]
            let f3 = csr >= 0xC00 ? 2 : UInt32(1 + random.below(3))
            let source = csr >= 0xC00 ? 0 : reg()
            return four(UInt32(csr) << 20 | UInt32(source) << 15 | UInt32(f3) << 12 | UInt32(rd()) << 7 | 0x73)
        case 90..<93:  // atomics on the aligned data bases
            let funct5 = [0x00, 0x01, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x02, 0x03][random.below(11)]
            let base = [8, 9][random.below(2)]
            let width: UInt32 = base == 9 || random.below(2) == 0 ? 3 : 2
            let rs2 = funct5 == 0x02 ? 0 : reg()
            return four(UInt32(funct5) << 27 | UInt32(random.below(4)) << 25 | UInt32(rs2) << 20 | UInt32(base) << 15
                        | width << 12 | UInt32(rd()) << 7 | 0x2F)
        case 93..<97:  // F/D: arithmetic, moves, loads and stores
            let fd = random.below(32), fs1 = random.below(32), fs2 = random.below(32)
            let rounding: UInt32 = [0, 1, 7][random.below(3)]
            switch random.below(9) {
            case 0: return four(r(0x53, rd: fd, f3: rounding, rs1: fs1, rs2: fs2, f7: [0x01, 0x05, 0x09, 0x0D, 0x00][random.below(5)]))
            case 1: return four(r(0x53, rd: fd, f3: 0, rs1: reg(), rs2: 0, f7: 0x79))             // fmv.d.x
            case 5: return four(r(0x53, rd: fd, f3: rounding, rs1: fs1, rs2: 0, f7: 0x2D))        // fsqrt.d
            case 6: return four(r(0x53, rd: fd, f3: UInt32(random.below(3)), rs1: fs1, rs2: fs2, f7: 0x11))  // fsgnj/fsgnjn/fsgnjx.d
            case 7: return four(r(0x53, rd: rd(), f3: 0, rs1: fs1, rs2: 0, f7: 0x71))             // fmv.x.d
            case 8:  // fmadd/fmsub/fnmsub/fnmadd.d
                let opcode = [0x43, 0x47, 0x4B, 0x4F][random.below(4)]
                return four(UInt32(random.below(32)) << 27 | 1 << 25 | UInt32(fs2) << 20 | UInt32(fs1) << 15
                            | rounding << 12 | UInt32(fd) << 7 | UInt32(opcode))
            case 2: return four(r(0x53, rd: rd(), f3: [0, 1, 2][random.below(3)], rs1: fs1, rs2: fs2, f7: 0x51))  // feq/flt/fle.d
            case 3: return four(i(0x07, rd: fd, f3: 3, rs1: [8, 9][random.below(2)], imm: imm12() & ~7))  // fld
            default: return four(s(3, rs1: 8, rs2: fs2, imm: imm12() & ~7) & ~0x7F | 0x27)       // fsd
            }
        default:  // traps: ecall, ebreak, illegal
            return four([0x0000_0073, 0x0010_0073, 0xFFFF_FFFF][random.below(3)])
        }
    }
}
