import IsolaRISCV
import Testing

@Suite struct DecoderTests {
    @Test func iTypeWithNegativeImmediate() {
        // addi a0, a1, -5
        let d = Decoder.decode(0xFFB5_8513)
        #expect(d.opcode == .addi)
        #expect(d.rd == 10 && d.rs1 == 11 && d.imm == -5 && d.length == 4)
    }

    @Test func writesToX0GoToTheSink() {
        // addi x0, x0, 0 (nop)
        #expect(Decoder.decode(0x0000_0013).rd == Hart.sinkRegister)
    }

    @Test func branchAndJumpOffsets() {
        // beq a0, a1, -4
        let b = Decoder.decode(0xFEB5_0EE3)
        #expect(b.opcode == .beq && b.imm == -4 && b.rs1 == 10 && b.rs2 == 11)
        // jal ra, +2048
        let j = Decoder.decode(0x0010_00EF)
        #expect(j.opcode == .jal && j.imm == 2048 && j.rd == 1)
    }

    @Test func storeImmediate() {
        // sd a1, -8(sp)
        let s = Decoder.decode(0xFEB1_3C23)
        #expect(s.opcode == .sd && s.imm == -8 && s.rs1 == 2 && s.rs2 == 11)
    }

    @Test func csrNumberInImmediate() {
        // csrrs a0, mstatus, zero
        let c = Decoder.decode(0x3000_2573)
        #expect(c.opcode == .csrrs && c.imm == 0x300 && c.rd == 10 && c.rs1 == 0)
    }

    @Test func reservedRoundingModesAreIllegal() {
        // fadd.d with rm = 5 and 6; rm = 7 (dynamic) decodes
        #expect(Decoder.decode(0x0220_51D3).opcode == .illegal)
        #expect(Decoder.decode(0x0220_61D3).opcode == .illegal)
        #expect(Decoder.decode(0x0220_71D3).opcode == .faddD)
    }

    @Test func illegalKeepsItsBits() {
        let d = Decoder.decode(0xFFFF_FFFF)
        #expect(d.opcode == .illegal && UInt32(d.imm) == 0xFFFF_FFFF)
    }

    @Test func compressedForms() {
        // c.addi a0, -1
        let a = CompressedDecoder.decode(0x157D)
        #expect(a.opcode == .addi && a.rd == 10 && a.rs1 == 10 && a.imm == -1 && a.length == 2)
        // c.lwsp a0, 12(sp)
        let l = CompressedDecoder.decode(0x4532)
        #expect(l.opcode == .lw && l.rd == 10 && l.rs1 == 2 && l.imm == 12)
        // c.j -2
        let j = CompressedDecoder.decode(0xBFFD)
        #expect(j.opcode == .jal && j.imm == -2 && j.rd == Hart.sinkRegister)
        // the all-zero halfword is illegal
        #expect(CompressedDecoder.decode(0x0000).opcode == .illegal)
    }

    /// Every 16-bit pattern decodes to something, never traps the host, and keeps length 2.
    @Test func everyCompressedPatternDecodes() {
        for raw in 0...0xFFFF where raw & 3 != 3 {
            let d = CompressedDecoder.decode(UInt16(raw))
            #expect(d.length == 2)
            #expect(d.rd <= Hart.sinkRegister && d.rs1 < 32 && d.rs2 < 32)
        }
    }

    /// Random 32-bit patterns decode without crashing and with register fields in range.
    @Test func randomPatternsDecode() {
        var generator = SplitMix(seed: SplitMix.testSeed)  // a failure names its seed
        for _ in 0..<200_000 {
            let d = Decoder.decode(UInt32.random(in: 0...UInt32.max, using: &generator) | 3)
            #expect(d.length == 4, "seed \(SplitMix.testSeed)")
            #expect(d.rd <= Hart.sinkRegister && d.rs1 < 32 && d.rs2 < 32 && d.rs3 < 32, "seed \(SplitMix.testSeed)")
        }
    }

    @Test func rva22Forms() {
        // Encodings from GNU as (-march=..._svinval_zfhmin_zicbom_zicboz_zicbop).
        let forms: [(UInt32, String)] = [
            (0x0045_200F, "cbo.zero (a0)"), (0x0015_200F, "cbo.clean (a0)"),
            (0x0025_200F, "cbo.flush (a0)"), (0x0005_200F, "cbo.inval (a0)"),
            (0x16B5_0073, "sinval.vma a0, a1"), (0x1800_0073, "sfence.w.inval"), (0x1810_0073, "sfence.inval.ir"),
            (0x0025_1087, "flh f1, 2(a0)"), (0x0015_1127, "fsh f1, 2(a0)"),
            (0xE400_8553, "fmv.x.h a0, f1"), (0xF405_00D3, "fmv.h.x f1, a0"),
            (0x4021_00D3, "fcvt.s.h f1, f2"), (0x4401_10D3, "fcvt.h.s f1, f2"),
            (0x4221_00D3, "fcvt.d.h f1, f2"), (0x4411_70D3, "fcvt.h.d f1, f2"),
        ]
        for (bits, text) in forms {
            #expect(Disassembler.text(Decoder.decode(bits), pc: 0) == text, "0x\(String(bits, radix: 16))")
        }
        // A prefetch is `ori x0`; a CBO with rd != 0 or an unknown operation is illegal.
        #expect(Decoder.decode(0x0415_6013).opcode == .ori)
        #expect(Decoder.decode(0x0045_208F).opcode == .illegal)
        #expect(Decoder.decode(0x0035_200F).opcode == .illegal)
    }

    @Test func disassemblyOfCommonForms() {
        #expect(Disassembler.text(Decoder.decode(0xFFB5_8513), pc: 0) == "addi a0, a1, -5")
        #expect(Disassembler.text(Decoder.decode(0xFEB1_3C23), pc: 0) == "sd a1, -8(sp)")
        #expect(Disassembler.mnemonic(.fcvtWUS) == "fcvt.wu.s")
        #expect(Disassembler.mnemonic(.lrW) == "lr.w")
    }
}
