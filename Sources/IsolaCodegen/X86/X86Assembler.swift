/// The x86-64 general-purpose registers, numbered as the encoding numbers them.
public enum X86Register: UInt8, CaseIterable, Sendable {
    case rax = 0, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15

    public var low3: UInt8 { rawValue & 7 }
    public var isExtended: Bool { rawValue >= 8 }
}

/// A memory operand `[base + index*scale + displacement]` (index optional).
public struct X86Memory {
    public var base: X86Register
    public var index: X86Register? = nil
    public var scale: UInt8 = 1
    public var displacement: Int32 = 0

    public init(_ base: X86Register, _ displacement: Int32 = 0) {
        self.base = base
        self.displacement = displacement
    }

    public init(_ base: X86Register, index: X86Register, scale: UInt8 = 1, _ displacement: Int32 = 0) {
        precondition(index != .rsp, "rsp cannot be an index")
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
    }
}

/// A source operand of a two-operand instruction.
public enum X86Operand {
    case register(X86Register)
    case memory(X86Memory)
}

/// x86 condition codes (the low nibble of Jcc/SETcc).
public enum X86Condition: UInt8, Sendable {
    case overflow = 0, noOverflow, below, aboveOrEqual, equal, notEqual, belowOrEqual, above
    case sign, notSign, parity, noParity, less, greaterOrEqual, lessOrEqual, greater
}

/// A place in the code that jumps can target before it is known (`bind`).
public struct X86Label {
    fileprivate let id: Int
}

/// Encodes x86-64 instructions into a byte buffer: the forms the translator
/// needs and no others, each checked against a disassembler in
/// `X86AssemblerTests`. Jumps to labels are 32-bit relative and resolved when
/// the label is bound; jumps to absolute addresses need `origin`, the address
/// the first byte will execute at.
public struct X86Assembler {
    public private(set) var bytes: [UInt8] = []
    /// The address `bytes[0]` executes at.
    public let origin: UInt64
    private var labelOffsets: [Int?] = []
    /// (offset of a rel32 field, label) pairs to patch once the label is bound.
    private var fixups: [(at: Int, label: Int)] = []

    public init(origin: UInt64 = 0) {
        self.origin = origin
        bytes.reserveCapacity(512)
    }

    public var offset: Int { bytes.count }

    // MARK: Labels

    public mutating func makeLabel() -> X86Label {
        labelOffsets.append(nil)
        return X86Label(id: labelOffsets.count - 1)
    }

    public mutating func bind(_ label: X86Label) {
        precondition(labelOffsets[label.id] == nil, "label bound twice")
        labelOffsets[label.id] = bytes.count
    }

    /// Patches every jump to a label; every label used must be bound.
    public mutating func finish() -> [UInt8] {
        for fixup in fixups {
            // SAFETY of the force: a jump to an unbound label is a translator bug.
            guard let target = labelOffsets[fixup.label] else { preconditionFailure("unbound label") }
            patch32(at: fixup.at, Int32(target - (fixup.at + 4)))
        }
        fixups.removeAll()
        return bytes
    }

    private mutating func patch32(at position: Int, _ value: Int32) {
        let v = UInt32(bitPattern: value)
        for i in 0..<4 { bytes[position + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    // MARK: Raw encoding

    mutating func emit(_ byte: UInt8) { bytes.append(byte) }

    private mutating func emit32(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    private mutating func emit64(_ value: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    /// A REX prefix when one is needed (`force` for byte registers sil/dil/spl/bpl).
    private mutating func rex(w: Bool, reg: UInt8, index: UInt8 = 0, base: UInt8, force: Bool = false) {
        let value: UInt8 = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 | ((base >> 3) & 1)
        if value != 0x40 || force { emit(value) }
    }

    /// Prefix, opcode and ModRM for a register-register form (`reg` in ModRM.reg, `rm` in ModRM.rm).
    mutating func registerForm(_ opcode: [UInt8], w: Bool, reg: UInt8, rm: X86Register, byteRegisters: Bool = false, prefix: UInt8? = nil) {
        if let prefix { emit(prefix) }
        rex(w: w, reg: reg, base: rm.rawValue, force: byteRegisters && (rm.rawValue >= 4 || reg >= 4))
        for b in opcode { emit(b) }
        emit(0xC0 | (reg & 7) << 3 | rm.low3)
    }

    /// Prefix, opcode, ModRM, SIB and displacement for a memory form.
    mutating func memoryForm(_ opcode: [UInt8], w: Bool, reg: UInt8, _ m: X86Memory, byteRegister: Bool = false, prefix: UInt8? = nil) {
        if let prefix { emit(prefix) }
        rex(w: w, reg: reg, index: m.index?.rawValue ?? 0, base: m.base.rawValue, force: byteRegister && reg >= 4 && reg < 8)
        for b in opcode { emit(b) }
        let needsSIB = m.index != nil || m.base.low3 == 4
        // mod 00 with base rbp/r13 means RIP-relative or no base: use a zero disp8 instead.
        let mod: UInt8 = (m.displacement == 0 && m.base.low3 != 5) ? 0 : (Int8(exactly: m.displacement) != nil ? 1 : 2)
        emit(mod << 6 | (reg & 7) << 3 | (needsSIB ? 4 : m.base.low3))
        if needsSIB {
            let scaleBits: UInt8 = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0
            emit(scaleBits << 6 | (m.index?.low3 ?? 4) << 3 | m.base.low3)
        }
        if mod == 1 { emit(UInt8(bitPattern: Int8(m.displacement))) }
        if mod == 2 { emit32(m.displacement) }
    }

    private mutating func form(_ opcode: [UInt8], w: Bool, reg: UInt8, _ operand: X86Operand) {
        switch operand {
        case .register(let r): registerForm(opcode, w: w, reg: reg, rm: r)
        case .memory(let m): memoryForm(opcode, w: w, reg: reg, m)
        }
    }

    // MARK: Moves

    /// `mov dst, src` (64-bit, or 32-bit zero-extending when `wide` is false).
    public mutating func mov(_ dst: X86Register, _ src: X86Operand, wide: Bool = true) {
        form([0x8B], w: wide, reg: dst.rawValue, src)
    }

    public mutating func mov(_ dst: X86Register, _ src: X86Register) {
        registerForm([0x89], w: true, reg: src.rawValue, rm: dst)
    }

    /// `mov [m], src` of 1, 2, 4 or 8 bytes.
    public mutating func store(_ m: X86Memory, _ src: X86Register, size: Int = 8) {
        switch size {
        case 1: memoryForm([0x88], w: false, reg: src.rawValue, m, byteRegister: true)
        case 2: memoryForm([0x89], w: false, reg: src.rawValue, m, prefix: 0x66)
        case 4: memoryForm([0x89], w: false, reg: src.rawValue, m)
        default: memoryForm([0x89], w: true, reg: src.rawValue, m)
        }
    }

    /// `mov qword [m], simm32`.
    public mutating func store(_ m: X86Memory, immediate: Int32) {
        memoryForm([0xC7], w: true, reg: 0, m)
        emit32(immediate)
    }

    /// Loads `size` bytes at `m` into `dst`, sign- or zero-extended to 64 bits.
    public mutating func load(_ dst: X86Register, _ m: X86Memory, size: Int, signed: Bool) {
        switch (size, signed) {
        case (1, true): memoryForm([0x0F, 0xBE], w: true, reg: dst.rawValue, m)   // movsx r64, byte
        case (1, false): memoryForm([0x0F, 0xB6], w: false, reg: dst.rawValue, m) // movzx r32, byte
        case (2, true): memoryForm([0x0F, 0xBF], w: true, reg: dst.rawValue, m)
        case (2, false): memoryForm([0x0F, 0xB7], w: false, reg: dst.rawValue, m)
        case (4, true): memoryForm([0x63], w: true, reg: dst.rawValue, m)         // movsxd
        case (4, false): memoryForm([0x8B], w: false, reg: dst.rawValue, m)
        default: memoryForm([0x8B], w: true, reg: dst.rawValue, m)
        }
    }

    /// Puts a 64-bit constant in `dst` with the shortest encoding.
    public mutating func mov(_ dst: X86Register, immediate value: UInt64) {
        if value == 0 {
            registerForm([0x31], w: false, reg: dst.rawValue, rm: dst)              // xor r32, r32
        } else if value <= UInt64(UInt32.max) {
            rex(w: false, reg: 0, base: dst.rawValue)
            emit(0xB8 + dst.low3)
            emit32(Int32(bitPattern: UInt32(value)))
        } else if let v = Int32(exactly: Int64(bitPattern: value)) {
            registerForm([0xC7], w: true, reg: 0, rm: dst)
            emit32(v)
        } else {
            rex(w: true, reg: 0, base: dst.rawValue)
            emit(0xB8 + dst.low3)
            emit64(value)
        }
    }

    /// `movsxd dst, src32`: the low 32 bits of `src`, sign-extended.
    public mutating func signExtend32(_ dst: X86Register, _ src: X86Register) {
        registerForm([0x63], w: true, reg: dst.rawValue, rm: src)
    }

    /// `movzx dst32, src8`.
    public mutating func zeroExtend8(_ dst: X86Register, _ src: X86Register) {
        registerForm([0x0F, 0xB6], w: false, reg: dst.rawValue, rm: src, byteRegisters: true)
    }

    /// `lea dst, [rip + disp32]` with the displacement that makes it `address`, which
    /// must lie within 2 GiB: position-independent, unlike a 64-bit immediate.
    public mutating func leaRelative(_ dst: X86Register, address: UInt64) {
        rex(w: true, reg: dst.rawValue, base: 0)
        emit(0x8D)
        emit(0x05 | (dst.low3 << 3))  // mod 00, r/m 101: RIP-relative
        let next = origin &+ UInt64(offset + 4)
        emit32(Int32(truncatingIfNeeded: Int64(bitPattern: address &- next)))
    }

    /// `lea dst, [m]` (64-bit; 32-bit, the upper half zeroed, when `wide` is false).
    public mutating func lea(_ dst: X86Register, _ m: X86Memory, wide: Bool = true) {
        memoryForm([0x8D], w: wide, reg: dst.rawValue, m)
    }

    // MARK: Arithmetic

    /// The eight classic ALU operations; the raw value is their /digit and opcode row.
    public enum ALU: UInt8 {
        case add = 0, or = 1, and = 4, sub = 5, xor = 6, cmp = 7
    }

    /// `op dst, src` (64-bit, or 32-bit when `wide` is false).
    public mutating func alu(_ op: ALU, _ dst: X86Register, _ src: X86Operand, wide: Bool = true) {
        form([op.rawValue << 3 | 3], w: wide, reg: dst.rawValue, src)
    }

    /// `op dst, imm` with a sign-extended 8- or 32-bit immediate.
    public mutating func alu(_ op: ALU, _ dst: X86Register, immediate: Int32, wide: Bool = true) {
        if let small = Int8(exactly: immediate) {
            registerForm([0x83], w: wide, reg: op.rawValue, rm: dst)
            emit(UInt8(bitPattern: small))
        } else {
            registerForm([0x81], w: wide, reg: op.rawValue, rm: dst)
            emit32(immediate)
        }
    }

    /// `op qword [m], imm` with a sign-extended immediate.
    public mutating func alu(_ op: ALU, _ m: X86Memory, immediate: Int32, size: Int = 8) {
        if let small = Int8(exactly: immediate) {
            memoryForm([0x83], w: size == 8, reg: op.rawValue, m)
            emit(UInt8(bitPattern: small))
        } else {
            memoryForm([0x81], w: size == 8, reg: op.rawValue, m)
            emit32(immediate)
        }
    }

    /// `op [m], imm32`, always with a 32-bit immediate so that it can be patched in
    /// place later; answers the immediate's offset in the code.
    @discardableResult
    public mutating func alu(_ op: ALU, _ m: X86Memory, patchableImmediate immediate: Int32, size: Int = 8) -> Int {
        memoryForm([0x81], w: size == 8, reg: op.rawValue, m)
        let at = bytes.count
        emit32(immediate)
        return at
    }

    /// `op [m], src` (64-bit).
    public mutating func alu(_ op: ALU, _ m: X86Memory, _ src: X86Register) {
        memoryForm([op.rawValue << 3 | 1], w: true, reg: src.rawValue, m)
    }

    /// `test a, b`.
    public mutating func test(_ a: X86Register, _ b: X86Register, wide: Bool = true) {
        registerForm([0x85], w: wide, reg: b.rawValue, rm: a)
    }

    /// `imul dst, src` (64-bit, or 32-bit).
    public mutating func imul(_ dst: X86Register, _ src: X86Operand, wide: Bool = true) {
        form([0x0F, 0xAF], w: wide, reg: dst.rawValue, src)
    }

    /// One-operand `mul`/`imul` of rax by `src` into rdx:rax.
    public mutating func multiplyWide(_ src: X86Operand, signed: Bool) {
        form([0xF7], w: true, reg: signed ? 5 : 4, src)
    }

    /// Shifts and rotates; the raw value is the /digit.
    public enum Shift: UInt8 {
        case rol = 0, ror = 1, shl = 4, shr = 5, sar = 7
    }

    public mutating func shift(_ op: Shift, _ dst: X86Register, immediate: UInt8, wide: Bool = true) {
        registerForm([0xC1], w: wide, reg: op.rawValue, rm: dst)
        emit(immediate)
    }

    /// Shift by `cl`.
    public mutating func shiftByCL(_ op: Shift, _ dst: X86Register, wide: Bool = true) {
        registerForm([0xD3], w: wide, reg: op.rawValue, rm: dst)
    }

    /// `setcc dst8`.
    public mutating func set(_ condition: X86Condition, _ dst: X86Register) {
        registerForm([0x0F, 0x90 | condition.rawValue], w: false, reg: 0, rm: dst, byteRegisters: true)
    }

    // MARK: Control flow

    public mutating func jump(_ label: X86Label) {
        emit(0xE9)
        fixups.append((bytes.count, label.id))
        emit32(0)
    }

    public mutating func jump(_ condition: X86Condition, _ label: X86Label) {
        emit(0x0F)
        emit(0x80 | condition.rawValue)
        fixups.append((bytes.count, label.id))
        emit32(0)
    }

    /// `jmp rel32` to an absolute address within ±2 GiB of `origin`.
    public mutating func jump(toAddress target: UInt64) {
        emit(0xE9)
        emit32(relative(to: target))
    }

    /// `jcc rel32` to an absolute address.
    public mutating func jump(_ condition: X86Condition, toAddress target: UInt64) {
        emit(0x0F)
        emit(0x80 | condition.rawValue)
        emit32(relative(to: target))
    }

    private func relative(to target: UInt64) -> Int32 {
        let next = Int64(bitPattern: origin) &+ Int64(bytes.count + 4)
        // SAFETY of the force: code and its targets live in one mapping far smaller than 2 GiB.
        guard let delta = Int32(exactly: Int64(bitPattern: target) &- next) else { preconditionFailure("jump out of range") }
        return delta
    }

    /// `jmp reg` / `jmp [m]`.
    public mutating func jumpIndirect(_ target: X86Operand) {
        form([0xFF], w: false, reg: 4, target)
    }

    /// `call reg`.
    public mutating func call(_ target: X86Register) {
        registerForm([0xFF], w: false, reg: 2, rm: target)
    }

    /// `call [mem]` (or `call reg`): to an address held in memory.
    public mutating func callIndirect(_ target: X86Operand) {
        form([0xFF], w: false, reg: 2, target)
    }

    public mutating func push(_ r: X86Register) {
        if r.isExtended { emit(0x41) }
        emit(0x50 + r.low3)
    }

    public mutating func pop(_ r: X86Register) {
        if r.isExtended { emit(0x41) }
        emit(0x58 + r.low3)
    }

    public mutating func ret() { emit(0xC3) }
}
