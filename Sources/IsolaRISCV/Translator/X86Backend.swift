import IsolaCodegen

/// RISC-V to x86-64.
///
/// Register conventions inside generated code: `rbx` holds the hart's state
/// block (`HartStateBlock`; x0...x31 sit at its start), up to nine guest
/// registers a unit uses most live in `rbp`, `r12`-`r15` and `r8`-`r11` while
/// the unit runs, and `rax`, `rcx`, `rdx`, `rsi`, `rdi` are scratch. Cached
/// registers are written back at every exit and before the interpreter helper,
/// and reloaded after it; memory slow paths save the caller-saved ones around
/// their call. Nothing unwinds through generated frames: helpers return a status.
enum X86Backend: TranslatorBackend {
    typealias Offset = HartStateBlock.Offset

    static let block = X86Register.rbx
    static let cacheRegisters: [X86Register] = [.rbp, .r12, .r13, .r14, .r15, .r8, .r9, .r10, .r11]
    static let callerSaved: Set<X86Register> = [.r8, .r9, .r10, .r11]
    static let calleeSaved: [X86Register] = [.rbx, .rbp, .r12, .r13, .r14, .r15]

    static func field(_ offset: Int) -> X86Memory { X86Memory(block, Int32(offset)) }
    static func guestRegister(_ r: Int) -> X86Memory { X86Memory(block, Int32(Offset.x + 8 * r)) }

    // MARK: Runtime

    static func runtimeCode(origin: UInt64) -> RuntimeCode {
        var a = X86Assembler(origin: origin)
        // entry(rdi = state block, rsi = unit code)
        let entry = a.offset
        for r in calleeSaved { a.push(r) }
        a.alu(.sub, .rsp, immediate: 8)  // 16-byte alignment at helper calls
        a.mov(block, .rdi)
        a.jumpIndirect(.register(.rsi))

        let exit = a.offset
        a.alu(.add, .rsp, immediate: 8)
        for r in calleeSaved.reversed() { a.pop(r) }
        a.ret()

        // lookup(rax = guest pc): the jump cache slot of the pc (JumpCache.slot), its tag
        // compared, then the fetch TLB asked whether the page still maps where the unit came from.
        let lookup = a.offset
        let miss = a.makeLabel()
        a.store(field(Offset.pc), .rax)
        a.mov(.rcx, .rax)
        a.shift(.shr, .rcx, immediate: 1)
        a.mov(.rdx, .rax)
        a.shift(.shr, .rdx, immediate: UInt8(JumpCache.highShift))
        a.alu(.xor, .rcx, .register(.rdx), wide: false)
        a.alu(.and, .rcx, immediate: Int32(JumpCache.slotMask), wide: false)
        a.shift(.shl, .rcx, immediate: UInt8(JumpCache.slotShift), wide: false)
        a.alu(.add, .rcx, .memory(field(Offset.jumpCache)))
        a.alu(.cmp, .rax, .memory(X86Memory(.rcx)))
        a.jump(.notEqual, miss)
        a.mov(.rdx, .rax)
        a.shift(.shr, .rdx, immediate: 12)
        tlbEntry(&a, vpn: .rdx, into: .rsi, table: Offset.fetchTLB)
        a.alu(.cmp, .rdx, .memory(X86Memory(.rsi, X86Backend.tagOffset)))
        a.jump(.notEqual, miss)
        a.mov(.rdx, .memory(X86Memory(.rsi, X86Backend.physicalPageOffset)))
        a.alu(.cmp, .rdx, .memory(X86Memory(.rcx, 16)))
        a.jump(.notEqual, miss)
        a.jumpIndirect(.memory(X86Memory(.rcx, 8)))
        a.bind(miss)
        a.mov(.rax, immediate: UInt64(UnitExit.lookupMiss.rawValue))
        a.jump(toAddress: origin + UInt64(exit))

        // link(rax = guest pc, rcx = the jump to patch): back to the dispatcher, which
        // finds (or makes) the unit at the pc and patches the jump to go there directly.
        let link = a.offset
        a.store(field(Offset.pc), .rax)
        a.store(field(Offset.linkSite), .rcx)
        a.mov(.rax, immediate: UInt64(UnitExit.link.rawValue))
        a.jump(toAddress: origin + UInt64(exit))
        return RuntimeCode(bytes: a.finish(), entry: entry, exit: exit, lookup: lookup, link: link)
    }

    // MARK: Patching

    /// Every unit starts `cmp qword [rbx + epoch], imm32`: REX.W, 0x81, ModRM, disp32, then the epoch.
    static let epochOffset = 7
    /// A patchable jump is `jmp rel32`.
    static let jumpOpcode: UInt8 = 0xE9

    static func patchJump(at site: UnsafeMutableRawPointer, siteAddress: UInt64, to target: UInt64) {
        // SAFETY: `site` comes from `CodeCache.writable`, which checks it lies in unit code; one byte, unaligned is fine.
        precondition(site.load(as: UInt8.self) == jumpOpcode, "not a patchable jump")
        // SAFETY of the truncation: units and their targets lie in one cache far smaller than 2 GiB.
        let delta = Int32(truncatingIfNeeded: Int64(bitPattern: target &- (siteAddress &+ 5)))
        // SAFETY: the site is a 5-byte jump inside the cache's writable view.
        (site + 1).storeBytes(of: delta.littleEndian, as: Int32.self)
    }

    static func compilesAcrossPageEnd(_ instruction: DecodedInstruction) -> Bool {
        !UnitPlan.endsUnit(instruction.opcode) && UnitCompiler.isInline(instruction.opcode)
    }

    static func jumpTarget(at site: UnsafeRawPointer, siteAddress: UInt64) -> UInt64 {
        // SAFETY: as in `patchJump`.
        let delta = Int32(littleEndian: (site + 1).loadUnaligned(as: Int32.self))
        return siteAddress &+ 5 &+ UInt64(bitPattern: Int64(delta))
    }

    static let tagOffset = Int32(MemoryLayout<TLBEntry>.offset(of: \TLBEntry.tag) ?? 0)
    static let addendOffset = Int32(MemoryLayout<TLBEntry>.offset(of: \TLBEntry.addend) ?? 8)
    static let physicalPageOffset = Int32(MemoryLayout<TLBEntry>.offset(of: \TLBEntry.physicalPage) ?? 24)

    /// `entry = table[vpn & indexMask]`: the address of the TLB entry a virtual page
    /// number selects in the table the state block points at (`SoftTLB`'s direct map).
    static func tlbEntry(_ a: inout X86Assembler, vpn: X86Register, into entry: X86Register, table: Int) {
        a.mov(entry, .register(vpn), wide: false)
        a.alu(.and, entry, immediate: Int32(SoftTLB.indexMask), wide: false)
        a.shift(.shl, entry, immediate: UInt8(MemoryLayout<TLBEntry>.stride.trailingZeroBitCount), wide: false)
        a.alu(.add, entry, .memory(field(table)))
    }

    // MARK: Units

    static func compile(_ plan: UnitPlan, origin: UInt64, runtime: TranslatorRuntime, epoch: Int32) -> [UInt8] {
        var unit = UnitCompiler(plan: plan, runtime: runtime, epoch: epoch, assembler: X86Assembler(origin: origin))
        unit.compile()
        return unit.assembler.finish()
    }
}

/// Compiles one unit; holds the register assignment and the out-of-line code
/// (slow paths, trap exits) emitted after the unit's straight-line body.
struct UnitCompiler {
    typealias Offset = HartStateBlock.Offset
    let plan: UnitPlan
    let runtime: TranslatorRuntime
    /// The `fence.i` epoch the unit is made in (checked at its entry).
    let epoch: Int32
    var assembler: X86Assembler
    /// Guest register -> host register, for the registers cached in this unit (an
    /// array indexed by guest register: looked up for every operand).
    var cached = [X86Register?](repeating: nil, count: 33)
    /// The cached guest registers, in order.
    var cachedRegisters: [Int] = []
    /// The caller-saved host registers holding guest registers, pushed around a helper call.
    var savedAcrossCalls: [X86Register] = []
    /// Cached guest registers the unit writes: written back at exits.
    var written: [Int] = []
    /// Instructions retired since the unit's head that `instret` already counts.
    var synced = 0
    /// Out-of-line code, emitted after the body.
    var deferred: [(inout UnitCompiler) -> Void] = []
    /// Where a loop onto the unit's own start continues, registers still cached.
    let head: X86Label
    /// Where the unit leaves without running anything (exit requested, budget used up).
    let refuse: X86Label

    init(plan: UnitPlan, runtime: TranslatorRuntime, epoch: Int32, assembler: X86Assembler) {
        var assembler = assembler
        head = assembler.makeLabel()
        refuse = assembler.makeLabel()
        self.plan = plan
        self.runtime = runtime
        self.epoch = epoch
        self.assembler = assembler
        assignRegisters()
    }

    private mutating func assignRegisters() {
        var uses = [Int](repeating: 0, count: 33)
        var writes = Set<Int>()
        for i in plan.instructions {
            let d = i.decoded
            for r in UnitCompiler.integerSources(d) where r != 0 { uses[r] += 1 }
            if let rd = UnitCompiler.integerDestination(d), rd != 0, rd != Int(Hart.sinkRegister) {
                uses[rd] += 1
                writes.insert(rd)
            }
        }
        let ranked = (1..<32).filter { uses[$0] > 0 }.sorted { uses[$0] != uses[$1] ? uses[$0] > uses[$1] : $0 < $1 }
        for (guest, host) in zip(ranked, X86Backend.cacheRegisters) { cached[guest] = host }
        cachedRegisters = (0..<33).filter { cached[$0] != nil }
        written = cachedRegisters.filter { writes.contains($0) }
        // Padded to an even count so the stack stays 16-byte aligned.
        let used = cachedRegisters.compactMap { cached[$0] }.filter { X86Backend.callerSaved.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        savedAcrossCalls = used.count % 2 == 0 ? used : used + [.rdi]
    }

    /// Integer registers an instruction the backend compiles inline reads.
    static func integerSources(_ d: DecodedInstruction) -> [Int] {
        if d.opcode.isFloatingPoint { return isInlineFloat(d) ? floatIntegerSources(d) : [] }
        switch d.opcode {
        case .lui, .auipc, .jal: return []
        case .jalr, .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, .addi, .slti, .sltiu, .xori, .ori, .andi, .slli, .srli, .srai,
             .addiw, .slliw, .srliw, .sraiw:
            return [Int(d.rs1)]
        default:
            return UnitCompiler.isInline(d.opcode) ? [Int(d.rs1), Int(d.rs2)] : []
        }
    }

    static func integerDestination(_ d: DecodedInstruction) -> Int? {
        if d.opcode.isFloatingPoint { return isInlineFloat(d) ? floatIntegerDestination(d) : nil }
        switch d.opcode {
        case .beq, .bne, .blt, .bge, .bltu, .bgeu, .sb, .sh, .sw, .sd: return nil
        default: return UnitCompiler.isInline(d.opcode) ? Int(d.rd) : nil
        }
    }

    /// The operations compiled to host code; everything else calls the interpreter helper.
    static func isInline(_ op: Opcode) -> Bool {
        switch op {
        case .lui, .auipc, .jal, .jalr, .beq, .bne, .blt, .bge, .bltu, .bgeu,
             .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, .sb, .sh, .sw, .sd,
             .addi, .slti, .sltiu, .xori, .ori, .andi, .slli, .srli, .srai,
             .add, .sub, .sll, .slt, .sltu, .xor, .srl, .sra, .or, .and,
             .addiw, .slliw, .srliw, .sraiw, .addw, .subw, .sllw, .srlw, .sraw,
             .mul, .mulw, .mulh, .mulhu,
             .sh1add, .sh2add, .sh3add, .addUW, .andn, .orn, .xnor, .rori, .ror, .rol,
             .amoswapW, .amoswapD, .amoaddW, .amoaddD, .fence:
            return true
        default:
            return false
        }
    }

    // MARK: Unit structure

    mutating func compile() {
        // A unit from an older epoch (a `fence.i` since) may be reached by a direct jump:
        // it leaves, and the dispatcher compares it with memory before it runs again.
        let at = assembler.alu(.cmp, X86Backend.field(Offset.epoch), patchableImmediate: epoch)
        precondition(at == X86Backend.epochOffset, "the epoch must sit where the translator patches it")
        assembler.jump(.notEqual, refuse)
        checkEntry(refuseTo: refuse)
        if plan.crossesPageEnd {
            stepInterpreter()
        } else {
            body()
        }
        assembler.bind(refuse)
        assembler.mov(.rax, immediate: plan.startPC)
        assembler.store(X86Backend.field(Offset.pc), .rax)
        leave(.entryRefused)
        while !deferred.isEmpty {
            let pending = deferred
            deferred.removeAll()
            for body in pending { body(&self) }
        }
    }

    /// The instructions, registers cached.
    mutating func body() {
        loadCached()
        assembler.bind(head)
        var ended = false
        for (index, i) in plan.instructions.enumerated() {
            if emit(i, index: index) { ended = true; break }
        }
        if !ended { exit(to: plan.fallthroughPC, retired: plan.instructions.count) }
    }

    /// A unit that `crossesPageEnd`: the interpreter runs the instruction, then the
    /// unit goes on at the pc it left through the jump cache (no register is cached).
    mutating func stepInterpreter() {
        let stop = assembler.makeLabel()
        if let (instruction, high) = plan.crossing {
            // The next page must be in the fetch TLB and still hold the instruction's high half.
            let step = assembler.makeLabel()
            let next = plan.startPC &+ 2
            assembler.mov(.rcx, immediate: next >> 12)
            X86Backend.tlbEntry(&assembler, vpn: .rcx, into: .rsi, table: Offset.fetchTLB)
            assembler.alu(.cmp, .rcx, .memory(X86Memory(.rsi, X86Backend.tagOffset)))
            assembler.jump(.notEqual, step)
            assembler.mov(.rsi, .memory(X86Memory(.rsi, X86Backend.addendOffset)))
            assembler.mov(.rcx, immediate: next)
            assembler.load(.rax, X86Memory(.rsi, index: .rcx), size: 2, signed: false)
            assembler.alu(.cmp, .rax, immediate: Int32(high), wide: false)
            assembler.jump(.notEqual, step)
            _ = emit(instruction, index: 0)
            exit(to: plan.startPC &+ 4, retired: 1, linkable: false)
            assembler.bind(step)
        }
        // A unit reached by a direct jump finds a stale pc in the block.
        assembler.mov(.rax, immediate: plan.startPC)
        assembler.store(X86Backend.field(Offset.pc), .rax)
        assembler.mov(.rdi, X86Backend.block)
        callHelper(runtime.stepHelper, saving: [])
        assembler.test(.rax, .rax, wide: false)
        assembler.jump(.notEqual, stop)
        assembler.mov(.rax, .memory(X86Backend.field(Offset.pc)))
        assembler.jump(toAddress: runtime.lookupStub)
        assembler.bind(stop)
        leave(.helperExit)  // the interpreter has set the pc (a trap taken)
    }

    /// Leaves through `to` when the exit-request word is set or the budget is used up.
    mutating func checkEntry(refuseTo label: X86Label) {
        assembler.alu(.cmp, X86Backend.field(Offset.exitRequests), immediate: 0, size: 4)
        assembler.jump(.notEqual, label)
        assembler.mov(.rax, .memory(X86Backend.field(Offset.instret)))
        assembler.alu(.cmp, .rax, .memory(X86Backend.field(Offset.instretLimit)))
        assembler.jump(.aboveOrEqual, label)
    }

    mutating func loadCached() {
        for guest in cachedRegisters {
            // SAFETY of the force: `cachedRegisters` lists only cached registers.
            assembler.mov(cached[guest]!, .memory(X86Backend.guestRegister(guest)))
        }
    }

    mutating func writeBack() {
        for guest in written {
            // SAFETY of the force: `written` lists only cached registers.
            assembler.store(X86Backend.guestRegister(guest), cached[guest]!)
        }
    }

    /// Adds the instructions retired since the last sync to `instret`.
    mutating func sync(retired: Int) {
        if retired > synced {
            assembler.alu(.add, X86Backend.field(Offset.instret), immediate: Int32(retired - synced))
        }
        synced = retired
    }

    mutating func leave(_ reason: UnitExit) {
        assembler.mov(.rax, immediate: UInt64(reason.rawValue))
        assembler.jump(toAddress: runtime.exitStub)
    }

    /// Control goes to guest `target` after `retired` instructions of the unit. A
    /// `linkable` jump to another unit of the same page becomes a direct jump to that
    /// unit's code once it has been taken: the same page maps to the same physical
    /// page while no instruction in between changed the mapping, and those (CSR
    /// writes, `sfence.vma`, `ecall`) are not linkable.
    mutating func exit(to target: UInt64, retired: Int, linkable: Bool = true) {
        let saved = synced
        sync(retired: retired)
        if target == plan.startPC {
            // A loop onto itself stays in host code, registers and all, while no exit is requested.
            let out = assembler.makeLabel()
            checkEntry(refuseTo: out)
            assembler.jump(head)
            deferred.append { c in
                c.assembler.bind(out)
                c.writeBack()
                c.assembler.jump(c.refuse)
            }
        } else if linkable && target >> 12 == plan.startPC >> 12 {
            writeBack()
            let site = assembler.origin &+ UInt64(assembler.offset)
            let unlinked = assembler.makeLabel()
            assembler.jump(unlinked)  // patched by `Translator.link`
            deferred.append { c in
                c.assembler.bind(unlinked)
                c.assembler.mov(.rax, immediate: target)
                c.assembler.leaRelative(.rcx, address: site)  // not an immediate: the code names no absolute address
                c.assembler.jump(toAddress: c.runtime.linkStub)
            }
        } else {
            writeBack()
            assembler.mov(.rax, immediate: target)
            assembler.jump(toAddress: runtime.lookupStub)
        }
        synced = saved
    }

    /// Leaves with a trap at instruction `index` (not retired).
    mutating func trapExit(index: Int, pc: UInt64) {
        sync(retired: index)
        writeBack()
        assembler.mov(.rax, immediate: pc)
        assembler.store(X86Backend.field(Offset.pc), .rax)
        leave(.trap)
    }

    // MARK: Operands

    /// The host register holding guest register `r`, loading it into `scratch` if it is not cached.
    mutating func read(_ r: Int, into scratch: X86Register) -> X86Register {
        if r == 0 {
            assembler.mov(scratch, immediate: 0)
            return scratch
        }
        if let host = cached[r] { return host }
        assembler.mov(scratch, .memory(X86Backend.guestRegister(r)))
        return scratch
    }

    /// Guest register `r` as a second operand (x0 must be handled by the caller).
    func operand(_ r: Int) -> X86Operand {
        if let host = cached[r] { return .register(host) }
        return .memory(X86Backend.guestRegister(r))
    }

    /// `read` into exactly `scratch`.
    mutating func load(_ r: Int, to scratch: X86Register) {
        let source = read(r, into: scratch)
        if source != scratch { assembler.mov(scratch, source) }
    }

    /// The host register an instruction writing guest `rd` computes into: rd's own when
    /// it is cached and not also a source read after the destination is first written
    /// (`avoiding`), else `rax`. `write(rd, from:)` then moves nothing.
    func destination(_ rd: Int, avoiding later: Int? = nil) -> X86Register {
        if rd != 0, rd != Int(Hart.sinkRegister), rd != later, let host = cached[rd] { return host }
        return .rax
    }

    mutating func write(_ rd: Int, from value: X86Register) {
        if rd == 0 || rd == Int(Hart.sinkRegister) { return }
        if let host = cached[rd] {
            if host != value { assembler.mov(host, value) }
        } else {
            assembler.store(X86Backend.guestRegister(rd), value)
        }
    }

    // MARK: Instructions

    /// Emits one instruction; answers true when it ended the unit (all paths left).
    mutating func emit(_ i: UnitPlan.Instruction, index: Int) -> Bool {
        let d = i.decoded
        let rd = Int(d.rd), rs1 = Int(d.rs1), rs2 = Int(d.rs2)
        let imm = d.imm
        let next = i.pc &+ UInt64(d.length)
        switch d.opcode {
        case .lui, .auipc:
            let dst = destination(rd)
            assembler.mov(dst, immediate: d.opcode == .lui ? UInt64(bitPattern: imm) : i.pc &+ UInt64(bitPattern: imm))
            write(rd, from: dst)
        case .jal:
            let dst = destination(rd)
            assembler.mov(dst, immediate: next)
            write(rd, from: dst)
            exit(to: i.pc &+ UInt64(bitPattern: imm), retired: index + 1)
            return true
        case .jalr:
            load(rs1, to: .rax)
            if imm != 0 { assembler.alu(.add, .rax, immediate: Int32(imm)) }
            assembler.alu(.and, .rax, immediate: -2)
            assembler.mov(.rcx, immediate: next)
            write(rd, from: .rcx)
            sync(retired: index + 1)
            writeBack()
            assembler.jump(toAddress: runtime.lookupStub)
            return true
        case .beq, .bne, .blt, .bge, .bltu, .bgeu:
            branch(d, index: index, pc: i.pc)
            return true

        case .lb: memoryLoad(d, size: 1, signed: true, index: index, pc: i.pc)
        case .lh: memoryLoad(d, size: 2, signed: true, index: index, pc: i.pc)
        case .lw: memoryLoad(d, size: 4, signed: true, index: index, pc: i.pc)
        case .ld: memoryLoad(d, size: 8, signed: false, index: index, pc: i.pc)
        case .lbu: memoryLoad(d, size: 1, signed: false, index: index, pc: i.pc)
        case .lhu: memoryLoad(d, size: 2, signed: false, index: index, pc: i.pc)
        case .lwu: memoryLoad(d, size: 4, signed: false, index: index, pc: i.pc)
        case .sb: memoryStore(d, size: 1, index: index, pc: i.pc)
        case .sh: memoryStore(d, size: 2, index: index, pc: i.pc)
        case .sw: memoryStore(d, size: 4, index: index, pc: i.pc)
        case .sd: memoryStore(d, size: 8, index: index, pc: i.pc)
        case .fence:
            // x86-TSO keeps every other order a FENCE can ask for.
            if Hart.fenceOrdersStoresBeforeLoads(d) { assembler.memoryFence() }
        case .amoswapW, .amoaddW: atomic(d, size: 4, index: index, pc: i.pc)
        case .amoswapD, .amoaddD: atomic(d, size: 8, index: index, pc: i.pc)

        case .addi:
            if rd == rs1 || rs1 == 0 {
                immediateOperation(.add, rd: rd, rs1: rs1, imm: imm)
            } else {
                let dst = destination(rd)
                let source = read(rs1, into: dst)
                assembler.lea(dst, X86Memory(source, Int32(imm)))
                write(rd, from: dst)
            }
        case .xori: immediateOperation(.xor, rd: rd, rs1: rs1, imm: imm)
        case .ori: immediateOperation(.or, rd: rd, rs1: rs1, imm: imm)
        case .andi: immediateOperation(.and, rd: rd, rs1: rs1, imm: imm)
        case .slti, .sltiu:
            load(rs1, to: .rax)
            assembler.mov(.rcx, immediate: 0)
            assembler.alu(.cmp, .rax, immediate: Int32(imm))
            assembler.set(d.opcode == .slti ? .less : .below, .rcx)
            write(rd, from: .rcx)
        case .slli, .srli, .srai, .rori:
            let dst = destination(rd)
            load(rs1, to: dst)
            let op: X86Assembler.Shift = d.opcode == .slli ? .shl : d.opcode == .srli ? .shr : d.opcode == .srai ? .sar : .ror
            assembler.shift(op, dst, immediate: UInt8(imm & 63))
            write(rd, from: dst)
        case .addiw:
            let dst = destination(rd)
            let source = read(rs1, into: dst)
            assembler.lea(dst, X86Memory(source, Int32(imm)), wide: false)
            assembler.signExtend32(dst, dst)
            write(rd, from: dst)
        case .slliw, .srliw, .sraiw:
            let dst = destination(rd)
            load(rs1, to: dst)
            let op: X86Assembler.Shift = d.opcode == .slliw ? .shl : d.opcode == .srliw ? .shr : .sar
            assembler.shift(op, dst, immediate: UInt8(imm & 31), wide: false)
            assembler.signExtend32(dst, dst)
            write(rd, from: dst)

        case .add: registerOperation(.add, rd: rd, rs1: rs1, rs2: rs2)
        case .sub: registerOperation(.sub, rd: rd, rs1: rs1, rs2: rs2)
        case .xor: registerOperation(.xor, rd: rd, rs1: rs1, rs2: rs2)
        case .or: registerOperation(.or, rd: rd, rs1: rs1, rs2: rs2)
        case .and: registerOperation(.and, rd: rd, rs1: rs1, rs2: rs2)
        case .addw, .subw:
            // x0's slot in the block always reads 0, so `operand` may name it.
            let dst = destination(rd, avoiding: rs2)
            load(rs1, to: dst)
            assembler.alu(d.opcode == .addw ? .add : .sub, dst, operand(rs2), wide: false)
            assembler.signExtend32(dst, dst)
            write(rd, from: dst)
        case .slt, .sltu:
            load(rs1, to: .rax)
            load(rs2, to: .rdx)
            assembler.mov(.rcx, immediate: 0)
            assembler.alu(.cmp, .rax, .register(.rdx))
            assembler.set(d.opcode == .slt ? .less : .below, .rcx)
            write(rd, from: .rcx)
        case .sll, .srl, .sra, .ror, .rol:
            load(rs2, to: .rcx)
            let dst = destination(rd)
            load(rs1, to: dst)
            let op: X86Assembler.Shift = d.opcode == .sll ? .shl : d.opcode == .srl ? .shr : d.opcode == .sra ? .sar : d.opcode == .ror ? .ror : .rol
            assembler.shiftByCL(op, dst)  // x86 masks the count to 6 bits, as RISC-V does
            write(rd, from: dst)
        case .sllw, .srlw, .sraw:
            load(rs2, to: .rcx)
            let dst = destination(rd)
            load(rs1, to: dst)
            let op: X86Assembler.Shift = d.opcode == .sllw ? .shl : d.opcode == .srlw ? .shr : .sar
            assembler.shiftByCL(op, dst, wide: false)  // 5 bits for 32-bit shifts, as RISC-V does
            assembler.signExtend32(dst, dst)
            write(rd, from: dst)
        case .mul, .mulw:
            let dst = destination(rd, avoiding: rs2)
            load(rs1, to: dst)
            assembler.imul(dst, operand(rs2), wide: d.opcode == .mul)
            if d.opcode == .mulw { assembler.signExtend32(dst, dst) }
            write(rd, from: dst)
        case .mulh, .mulhu:
            load(rs1, to: .rax)
            load(rs2, to: .rcx)
            assembler.multiplyWide(.register(.rcx), signed: d.opcode == .mulh)
            write(rd, from: .rdx)
        case .sh1add, .sh2add, .sh3add:
            let index = read(rs1, into: .rax)
            let base = read(rs2, into: .rcx)
            let dst = destination(rd)
            assembler.lea(dst, X86Memory(base, index: index, scale: d.opcode == .sh1add ? 2 : d.opcode == .sh2add ? 4 : 8))
            write(rd, from: dst)
        case .addUW:
            let dst = destination(rd, avoiding: rs2)
            load(rs1, to: dst)
            assembler.mov(dst, .register(dst), wide: false)  // zero-extends the low word
            assembler.alu(.add, dst, operand(rs2))
            write(rd, from: dst)
        case .andn, .orn, .xnor:
            load(rs2, to: .rcx)
            assembler.alu(.xor, .rcx, immediate: -1)  // not
            let dst = destination(rd)
            load(rs1, to: dst)
            assembler.alu(d.opcode == .andn ? .and : d.opcode == .orn ? .or : .xor, dst, .register(.rcx))
            write(rd, from: dst)

        default:
            if UnitCompiler.isInlineFloat(d) {
                emitFloat(d, index: index, pc: i.pc)
            } else {
                return callInterpreter(d, index: index, pc: i.pc)
            }
        }
        return false
    }

    mutating func immediateOperation(_ op: X86Assembler.ALU, rd: Int, rs1: Int, imm: Int64) {
        let dst = destination(rd)
        load(rs1, to: dst)
        if imm != 0 || op == .and { assembler.alu(op, dst, immediate: Int32(imm)) }
        write(rd, from: dst)
    }

    mutating func registerOperation(_ op: X86Assembler.ALU, rd: Int, rs1: Int, rs2: Int) {
        if rs2 == 0 {
            immediateOperation(op == .sub ? .add : op, rd: rd, rs1: rs1, imm: 0)
            return
        }
        if rd == rs2, rd != rs1, op != .sub, rs1 != 0, let host = cached[rd] {
            assembler.alu(op, host, operand(rs1))  // commutative: rd op= rs1
            return
        }
        let dst = destination(rd, avoiding: rs2)
        load(rs1, to: dst)
        assembler.alu(op, dst, operand(rs2))
        write(rd, from: dst)
    }

    mutating func branch(_ d: DecodedInstruction, index: Int, pc: UInt64) {
        let a = read(Int(d.rs1), into: .rax)
        if d.rs2 == 0 {
            assembler.test(a, a)
        } else {
            assembler.alu(.cmp, a, operand(Int(d.rs2)))
        }
        let condition: X86Condition
        switch d.opcode {
        case .beq: condition = .equal
        case .bne: condition = .notEqual
        case .blt: condition = .less
        case .bge: condition = .greaterOrEqual
        case .bltu: condition = .below
        default: condition = .aboveOrEqual
        }
        let taken = assembler.makeLabel()
        assembler.jump(condition, taken)
        exit(to: pc &+ UInt64(d.length), retired: index + 1)
        assembler.bind(taken)
        exit(to: pc &+ UInt64(bitPattern: d.imm), retired: index + 1)
    }

    /// The virtual address `rs1 + imm` into `rsi`.
    mutating func effectiveAddress(_ d: DecodedInstruction) {
        let base = read(Int(d.rs1), into: .rsi)
        if d.imm != 0 || base != .rsi { assembler.lea(.rsi, X86Memory(base, Int32(d.imm))) }
    }

    /// The inline TLB probe for the address in `rsi`: jumps to `slow` on a miss or
    /// a page crossing; on a hit leaves the entry's host addend in `rdx`.
    ///
    /// One compare does both: the entry is the one `rsi`'s page selects, and its tag
    /// is compared with the page of the access's last byte. A direct-mapped slot only
    /// ever holds pages of its own index, so a match means both bytes are on that page.
    mutating func probeTLB(table: Int, size: Int, slow: X86Label) {
        let strideShift = MemoryLayout<TLBEntry>.stride.trailingZeroBitCount
        if size > 1 {
            assembler.lea(.rcx, X86Memory(.rsi, Int32(size - 1)))
        } else {
            assembler.mov(.rcx, .rsi)
        }
        assembler.shift(.shr, .rcx, immediate: 12)
        // entry = table + ((va >> 12) & indexMask) * stride, as `X86Backend.tlbEntry` computes it.
        assembler.mov(.rdx, .register(.rsi), wide: false)
        assembler.shift(.shr, .rdx, immediate: UInt8(12 - strideShift), wide: false)
        assembler.alu(.and, .rdx, immediate: Int32(SoftTLB.indexMask << UInt64(strideShift)), wide: false)
        assembler.alu(.add, .rdx, .memory(X86Backend.field(table)))
        assembler.alu(.cmp, .rcx, .memory(X86Memory(.rdx, X86Backend.tagOffset)))
        assembler.jump(.notEqual, slow)
        assembler.mov(.rdx, .memory(X86Memory(.rdx, X86Backend.addendOffset)))
    }

    /// Calls the helper whose address the state block holds at `field`.
    mutating func callHelper(_ field: Int, saving: [X86Register]) {
        for r in saving { assembler.push(r) }
        assembler.callIndirect(.memory(X86Backend.field(field)))
        for r in saving.reversed() { assembler.pop(r) }
    }

    mutating func memoryLoad(_ d: DecodedInstruction, size: Int, signed: Bool, index: Int, pc: UInt64) {
        let slow = assembler.makeLabel(), resume = assembler.makeLabel()
        effectiveAddress(d)
        probeTLB(table: Offset.readTLB, size: size, slow: slow)
        let dst = destination(Int(d.rd))
        assembler.load(dst, X86Memory(.rsi, index: .rdx), size: size, signed: signed)
        assembler.bind(resume)
        write(Int(d.rd), from: dst)
        let saving = savedAcrossCalls
        let loadHelper = runtime.loadHelper
        let syncedHere = synced
        deferred.append { c in
            let trap = c.assembler.makeLabel()
            c.assembler.bind(slow)
            c.assembler.mov(.rdi, X86Backend.block)
            c.assembler.mov(.rdx, immediate: UInt64(size))
            c.callHelper(loadHelper, saving: saving)
            c.assembler.test(.rax, .rax, wide: false)
            c.assembler.jump(.notEqual, trap)
            c.assembler.load(dst, X86Backend.field(Offset.scratch), size: size, signed: signed)
            c.assembler.jump(resume)
            c.assembler.bind(trap)
            c.synced = syncedHere
            c.trapExit(index: index, pc: pc)
        }
    }

    mutating func memoryStore(_ d: DecodedInstruction, size: Int, index: Int, pc: UInt64) {
        let slow = assembler.makeLabel(), resume = assembler.makeLabel()
        effectiveAddress(d)
        let value = read(Int(d.rs2), into: .rax)
        probeTLB(table: Offset.writeTLB, size: size, slow: slow)
        assembler.store(X86Memory(.rsi, index: .rdx), value, size: size)
        assembler.bind(resume)
        let saving = savedAcrossCalls
        let storeHelper = runtime.storeHelper
        let next = pc &+ UInt64(d.length)
        let syncedHere = synced
        deferred.append { c in
            let trap = c.assembler.makeLabel()
            c.assembler.bind(slow)
            c.assembler.mov(.rdx, value)
            c.assembler.mov(.rdi, X86Backend.block)
            c.assembler.mov(.rcx, immediate: UInt64(size))
            c.callHelper(storeHelper, saving: saving)
            c.assembler.test(.rax, .rax, wide: false)
            c.assembler.jump(.equal, resume)
            c.assembler.alu(.cmp, .rax, immediate: Int32(TranslatorHelpers.Status.trap), wide: false)
            c.assembler.jump(.equal, trap)
            // The store changed translated code: leave after it.
            c.synced = syncedHere
            c.sync(retired: index + 1)
            c.writeBack()
            c.assembler.mov(.rax, immediate: next)
            c.assembler.store(X86Backend.field(Offset.pc), .rax)
            c.leave(.codeChanged)
            c.assembler.bind(trap)
            c.synced = syncedHere
            c.trapExit(index: index, pc: pc)
        }
    }

    /// `amoswap` and `amoadd` as one locked host instruction on the page the write TLB
    /// maps (a full barrier, which covers any aq/rl); a misaligned address, a TLB miss
    /// or a page of translated code runs the instruction in the interpreter helper.
    mutating func atomic(_ d: DecodedInstruction, size: Int, index: Int, pc: UInt64) {
        let slow = assembler.makeLabel(), resume = assembler.makeLabel()
        effectiveAddress(d)  // AMOs have no offset
        assembler.mov(.rcx, .register(.rsi), wide: false)
        assembler.alu(.and, .rcx, immediate: Int32(size - 1), wide: false)
        assembler.jump(.notEqual, slow)
        probeTLB(table: Offset.writeTLB, size: size, slow: slow)
        load(Int(d.rs2), to: .rax)
        let target = X86Memory(.rsi, index: .rdx)
        if d.opcode == .amoswapW || d.opcode == .amoswapD {
            assembler.exchange(target, .rax, wide: size == 8)
        } else {
            assembler.lockedExchangeAdd(target, .rax, wide: size == 8)
        }
        if size == 4 { assembler.signExtend32(.rax, .rax) }
        write(Int(d.rd), from: .rax)
        assembler.bind(resume)
        slowPathThroughInterpreter(d, index: index, pc: pc, from: slow, backTo: resume)
    }

    /// Out of line at `slow`: the instruction in the interpreter helper (from the
    /// registers in the block), then on at `resume`; the fast path's own fallback.
    mutating func slowPathThroughInterpreter(_ d: DecodedInstruction, index: Int, pc: UInt64,
                                             from slow: X86Label, backTo resume: X86Label) {
        let syncedHere = synced
        deferred.append { c in
            c.assembler.bind(slow)
            c.synced = syncedHere
            c.callInterpreterSelfContained(d, index: index, pc: pc)
            c.assembler.jump(resume)
        }
    }

    /// Instructions the interpreter helper runs that read no integer register but rs1
    /// and rs2, write none but rd, read no counter and only go on or trap: floating
    /// point, atomics, division and the rest of bit manipulation. Around them only
    /// those registers go to memory and back, not every cached one.
    static func isSelfContained(_ op: Opcode) -> Bool {
        if op.isFloatingPoint { return true }
        switch op {
        case .mulhsu, .div, .divu, .rem, .remu, .divw, .divuw, .remw, .remuw,
             .lrW, .scW, .amoswapW, .amoaddW, .amoxorW, .amoandW, .amoorW, .amominW, .amomaxW, .amominuW, .amomaxuW,
             .lrD, .scD, .amoswapD, .amoaddD, .amoxorD, .amoandD, .amoorD, .amominD, .amomaxD, .amominuD, .amomaxuD,
             .sh1addUW, .sh2addUW, .sh3addUW, .slliUW, .clz, .clzw, .ctz, .ctzw, .cpop, .cpopw,
             .max, .maxu, .min, .minu, .sextB, .sextH, .zextH, .rolw, .roriw, .rorw, .orcB, .rev8,
             .bclr, .bclri, .bext, .bexti, .binv, .binvi, .bset, .bseti,
             .cboInval, .cboClean, .cboFlush, .cboZero:
            return true
        default:
            return false
        }
    }

    /// `TranslatorHelpers.interpret(block, instruction, pc)`, with `saving` pushed around the call.
    mutating func callInterpretHelper(_ d: DecodedInstruction, pc: UInt64, saving: [X86Register]) {
        let (word0, word1) = TranslatorHelpers.encode(d)
        assembler.mov(.rdi, X86Backend.block)
        assembler.mov(.rsi, immediate: word0)
        assembler.mov(.rdx, immediate: word1)
        assembler.mov(.rcx, immediate: pc)
        callHelper(runtime.interpretHelper, saving: saving)
    }

    /// A self-contained instruction through the interpreter helper: rs1, rs2 and rd
    /// (as integer registers: harmless when they name FP registers) go to memory
    /// first, rd comes back after.
    mutating func callInterpreterSelfContained(_ d: DecodedInstruction, index: Int, pc: UInt64) {
        let touched = Set([Int(d.rs1), Int(d.rs2), Int(d.rd)]).filter { cached[$0] != nil }.sorted()
        for r in touched {
            // SAFETY of the force: filtered to cached registers.
            assembler.store(X86Backend.guestRegister(r), cached[r]!)
        }
        callInterpretHelper(d, pc: pc, saving: savedAcrossCalls)
        let out = assembler.makeLabel()
        assembler.test(.rax, .rax, wide: false)
        assembler.jump(.notEqual, out)
        if let host = cached[Int(d.rd)] { assembler.mov(host, .memory(X86Backend.guestRegister(Int(d.rd)))) }
        let syncedHere = synced
        let rd = Int(d.rd)
        deferred.append { c in
            let trap = c.assembler.makeLabel()
            c.assembler.bind(out)
            c.assembler.alu(.cmp, .rax, immediate: Int32(TranslatorHelpers.Status.trap), wide: false)
            c.assembler.jump(.equal, trap)
            // Went on elsewhere (not expected of these): everything but rd, which the helper owns, to memory.
            c.synced = syncedHere
            c.sync(retired: index + 1)
            for guest in c.written where guest != rd {
                // SAFETY of the force: `written` lists only cached registers.
                c.assembler.store(X86Backend.guestRegister(guest), c.cached[guest]!)
            }
            c.leave(.helperExit)
            c.assembler.bind(trap)
            c.synced = syncedHere
            c.trapExit(index: index, pc: pc)
        }
    }

    /// Runs the instruction in the interpreter (`Hart.executeSlow`) through a helper.
    mutating func callInterpreter(_ d: DecodedInstruction, index: Int, pc: UInt64) -> Bool {
        if UnitCompiler.isSelfContained(d.opcode) {
            callInterpreterSelfContained(d, index: index, pc: pc)
            return false
        }
        sync(retired: index)  // instret exact for CSR reads
        writeBack()
        callInterpretHelper(d, pc: pc, saving: [])  // every cached register is reloaded after it
        let out = assembler.makeLabel()
        assembler.test(.rax, .rax, wide: false)
        assembler.jump(.notEqual, out)
        loadCached()
        let syncedHere = synced
        deferred.append { c in
            let trap = c.assembler.makeLabel(), jump = c.assembler.makeLabel()
            c.assembler.bind(out)
            // Registers are in memory (written back before the call, maybe changed by it).
            c.assembler.alu(.cmp, .rax, immediate: Int32(TranslatorHelpers.Status.trap), wide: false)
            c.assembler.jump(.equal, trap)
            c.synced = syncedHere
            c.sync(retired: index + 1)
            c.assembler.alu(.cmp, .rax, immediate: Int32(TranslatorHelpers.Status.jump), wide: false)
            c.assembler.jump(.equal, jump)
            c.leave(.helperExit)
            c.assembler.bind(jump)
            c.leave(.helperJump)
            c.assembler.bind(trap)
            c.assembler.mov(.rax, immediate: pc)
            c.assembler.store(X86Backend.field(Offset.pc), .rax)
            c.leave(.trap)
        }
        if UnitPlan.endsUnit(d.opcode) {
            // A helper that returned `next` for an instruction that ends the unit (an ecall
            // the monitor answered without redirecting): go on after it.
            exit(to: pc &+ UInt64(d.length), retired: index + 1, linkable: false)
            return true
        }
        return false
    }
}
