/// The interpreter: runs decoded instructions from the decode cache, page by page.
///
/// Hot state lives in locals (`pc`, the register pointer, the current decode
/// page) so it stays in host registers. Frequent integer, branch, load and store
/// operations are executed inline; the rest goes through `executeSlow`.
/// Interrupts are examined between blocks, not per instruction.
extension Hart {
    /// What `executeSlow` asks the loop to do next.
    enum SlowOutcome {
        /// Fall through to the next instruction.
        case next
        /// Continue at `self.pc`, re-translating the fetch address.
        case jump
        /// Stop the block at `self.pc` so interrupts and stop requests are examined.
        case exit
        /// Take the trap in `pendingCause`/`pendingTval` for this instruction.
        case trap
    }

    @inline(__always)
    static func sext32(_ v: UInt32) -> UInt64 { UInt64(bitPattern: Int64(Int32(bitPattern: v))) }

    /// Executes up to `budget` instructions; returns early at traps that change
    /// what must be checked (CSR writes, `wfi`, `mret`/`sret`).
    func executeBlock(budget initial: Int) {
        let x = self.x
        var pc = self.pc
        var budget = initial
        var retired = 0
        defer {
            self.pc = pc
            instret &+= UInt64(retired)
        }

        block: while budget > 0 {
            guard let entry = fetchEntry(pc) else {
                budget -= 1
                pc = takePendingTrap(at: pc)
                continue block
            }
            // SAFETY: fetch entries always carry their decode-cache page.
            let page = entry.decoded.unsafelyUnwrapped
            var pageTag = pc >> 12
            repeat {
                let index = Int((pc & 0xFFF) >> 1)
                var inst = page[index]
                if _slowPath(inst.opcode == .undecoded) {
                    guard let decoded = decode(at: pc, entry: entry, page: page) else {
                        budget -= 1
                        pc = takePendingTrap(at: pc)
                        continue block
                    }
                    inst = decoded
                    // A 4-byte instruction across the page end is not cached; leave the page after it.
                    if pc & 0xFFF == 0xFFE && inst.length == 4 { pageTag = .max }
                }
                budget -= 1
                retired += 1
                let rd = Int(inst.rd), rs1 = Int(inst.rs1), rs2 = Int(inst.rs2)
                let imm = UInt64(bitPattern: inst.imm)
                let length = UInt64(inst.length)

                switch inst.opcode {
                case .addi: x[rd] = x[rs1] &+ imm; pc &+= length
                case .add: x[rd] = x[rs1] &+ x[rs2]; pc &+= length
                case .lui: x[rd] = imm; pc &+= length
                case .auipc: x[rd] = pc &+ imm; pc &+= length
                case .jal:
                    x[rd] = pc &+ length
                    pc = pc &+ imm
                case .jalr:
                    let target = (x[rs1] &+ imm) & ~1
                    x[rd] = pc &+ length
                    pc = target
                case .beq: pc = x[rs1] == x[rs2] ? pc &+ imm : pc &+ length
                case .bne: pc = x[rs1] != x[rs2] ? pc &+ imm : pc &+ length
                case .blt: pc = Int64(bitPattern: x[rs1]) < Int64(bitPattern: x[rs2]) ? pc &+ imm : pc &+ length
                case .bge: pc = Int64(bitPattern: x[rs1]) >= Int64(bitPattern: x[rs2]) ? pc &+ imm : pc &+ length
                case .bltu: pc = x[rs1] < x[rs2] ? pc &+ imm : pc &+ length
                case .bgeu: pc = x[rs1] >= x[rs2] ? pc &+ imm : pc &+ length

                case .lb:
                    guard let v = load(x[rs1] &+ imm, UInt8.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = UInt64(bitPattern: Int64(Int8(bitPattern: v))); pc &+= length
                case .lh:
                    guard let v = load(x[rs1] &+ imm, UInt16.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = UInt64(bitPattern: Int64(Int16(bitPattern: v))); pc &+= length
                case .lw:
                    guard let v = load(x[rs1] &+ imm, UInt32.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = Hart.sext32(v); pc &+= length
                case .ld:
                    guard let v = load(x[rs1] &+ imm, UInt64.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = v; pc &+= length
                case .lbu:
                    guard let v = load(x[rs1] &+ imm, UInt8.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = UInt64(v); pc &+= length
                case .lhu:
                    guard let v = load(x[rs1] &+ imm, UInt16.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = UInt64(v); pc &+= length
                case .lwu:
                    guard let v = load(x[rs1] &+ imm, UInt32.self) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    x[rd] = UInt64(v); pc &+= length
                case .sb:
                    guard store(x[rs1] &+ imm, UInt8(truncatingIfNeeded: x[rs2])) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    pc &+= length
                case .sh:
                    guard store(x[rs1] &+ imm, UInt16(truncatingIfNeeded: x[rs2])) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    pc &+= length
                case .sw:
                    guard store(x[rs1] &+ imm, UInt32(truncatingIfNeeded: x[rs2])) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    pc &+= length
                case .sd:
                    guard store(x[rs1] &+ imm, x[rs2]) else { retired -= 1; pc = takePendingTrap(at: pc); continue block }
                    pc &+= length

                case .slti: x[rd] = Int64(bitPattern: x[rs1]) < inst.imm ? 1 : 0; pc &+= length
                case .sltiu: x[rd] = x[rs1] < imm ? 1 : 0; pc &+= length
                case .xori: x[rd] = x[rs1] ^ imm; pc &+= length
                case .ori: x[rd] = x[rs1] | imm; pc &+= length
                case .andi: x[rd] = x[rs1] & imm; pc &+= length
                case .slli: x[rd] = x[rs1] &<< imm; pc &+= length
                case .srli: x[rd] = x[rs1] &>> imm; pc &+= length
                case .srai: x[rd] = UInt64(bitPattern: Int64(bitPattern: x[rs1]) &>> inst.imm); pc &+= length
                case .sub: x[rd] = x[rs1] &- x[rs2]; pc &+= length
                case .sll: x[rd] = x[rs1] &<< (x[rs2] & 63); pc &+= length
                case .slt: x[rd] = Int64(bitPattern: x[rs1]) < Int64(bitPattern: x[rs2]) ? 1 : 0; pc &+= length
                case .sltu: x[rd] = x[rs1] < x[rs2] ? 1 : 0; pc &+= length
                case .xor: x[rd] = x[rs1] ^ x[rs2]; pc &+= length
                case .srl: x[rd] = x[rs1] &>> (x[rs2] & 63); pc &+= length
                case .sra: x[rd] = UInt64(bitPattern: Int64(bitPattern: x[rs1]) &>> Int64(x[rs2] & 63)); pc &+= length
                case .or: x[rd] = x[rs1] | x[rs2]; pc &+= length
                case .and: x[rd] = x[rs1] & x[rs2]; pc &+= length

                case .addiw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1] &+ imm)); pc &+= length
                case .slliw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1]) &<< UInt32(imm)); pc &+= length
                case .srliw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1]) &>> UInt32(imm)); pc &+= length
                case .sraiw:
                    x[rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[rs1]) &>> Int32(imm))); pc &+= length
                case .addw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1] &+ x[rs2])); pc &+= length
                case .subw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1] &- x[rs2])); pc &+= length
                case .sllw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1]) &<< UInt32(x[rs2] & 31)); pc &+= length
                case .srlw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1]) &>> UInt32(x[rs2] & 31)); pc &+= length
                case .sraw:
                    x[rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[rs1]) &>> Int32(x[rs2] & 31))); pc &+= length
                case .mul: x[rd] = x[rs1] &* x[rs2]; pc &+= length
                case .mulw: x[rd] = Hart.sext32(UInt32(truncatingIfNeeded: x[rs1] &* x[rs2])); pc &+= length

                default:
                    switch executeSlow(inst, at: pc, retiredInBlock: UInt64(retired)) {
                    case .next:
                        pc &+= length
                    case .jump:
                        pc = self.pc
                        continue block
                    case .exit:
                        pc = self.pc
                        break block
                    case .trap:
                        retired -= 1
                        pc = takePendingTrap(at: pc)
                        continue block
                    }
                }
            } while pc >> 12 == pageTag && budget > 0
        }
    }

    /// Decodes the instruction at `pc` into the cache page (unless it crosses into the next page).
    @inline(never)
    func decode(at pc: UInt64, entry: TLBEntry, page: UnsafeMutablePointer<DecodedInstruction>) -> DecodedInstruction? {
        // SAFETY: the fetch entry maps this virtual page to RAM; a 2-byte read stays in the page.
        let host = UnsafeRawPointer(bitPattern: UInt(pc &+ entry.addend)).unsafelyUnwrapped
        let low = host.loadUnaligned(as: UInt16.self)
        let index = Int((pc & 0xFFF) >> 1)
        if low & 3 != 3 {
            let d = CompressedDecoder.decode(low)
            page[index] = d
            decodeCache.decoded(page: page, offset: Int(pc & 0xFFF), bits: UInt32(low), length: 2)
            return d
        }
        if pc & 0xFFF == 0xFFE {
            guard let next = fetchEntry(pc &+ 2) else { return nil }
            // SAFETY: as above, for the next page's first two bytes.
            let high = UnsafeRawPointer(bitPattern: UInt((pc &+ 2) &+ next.addend)).unsafelyUnwrapped.loadUnaligned(as: UInt16.self)
            return Decoder.decode(UInt32(low) | UInt32(high) << 16)
        }
        let bits = host.loadUnaligned(as: UInt32.self)
        let d = Decoder.decode(bits)
        page[index] = d
        decodeCache.decoded(page: page, offset: Int(pc & 0xFFF), bits: bits, length: 4)
        return d
    }
}
