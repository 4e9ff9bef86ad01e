/// The functions generated code calls, with the C calling convention: each takes
/// the hart's state block first and answers a status (`Status`), never throws,
/// and leaves any trap in the block's pending cause for the dispatcher to take.
enum TranslatorHelpers {
    /// What a helper answers.
    enum Status {
        static let next = 0
        /// The instruction set the pc itself; go on there (a fence).
        static let jump = 1
        /// The hart must look at its state (a CSR write, `wfi`, `mret`); the pc is set.
        static let exit = 2
        static let trap = 3
        /// A store changed translated code.
        static let codeChanged = 2
    }

    // SAFETY: for all helpers, `block` is the state block of a live hart whose
    // translated code is calling; its `hart` field points at that hart, which
    // the dispatcher keeps alive while generated code runs.
    /// Calls `body` with the block's hart, without retaining it (a retain and release
    /// per helper call cost a quarter of an FP-heavy program's time).
    @inline(__always)
    static func withHart<R>(_ block: UnsafeMutableRawPointer, _ body: (Hart) -> R) -> R {
        let raw = block.load(fromByteOffset: HartStateBlock.Offset.hart, as: UnsafeMutableRawPointer.self)
        return Unmanaged<Hart>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// A decoded instruction as two 64-bit words, to travel as immediates in generated code.
    static func encode(_ d: DecodedInstruction) -> (UInt64, UInt64) {
        // SAFETY: `d` is 16 bytes with no padding (eight UInt8s, then an Int64) and 8-byte aligned, so both
        // words are aligned and read only its own bytes.
        withUnsafeBytes(of: d) { ($0.load(fromByteOffset: 0, as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
    }

    @inline(__always)
    static func decode(_ word0: UInt64, _ word1: UInt64) -> DecodedInstruction {
        // SAFETY: both are 16 bytes of plain integers, and the words came from `encode`.
        unsafeBitCast((word0, word1), to: DecodedInstruction.self)
    }

    /// Runs one instruction the backend does not compile, in the interpreter.
    static let interpret: @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64, UInt64) -> UInt32 = { block, word0, word1, pc in
        // `instret` counts the unit's instructions before this one; like the interpreter's
        // block count, the one a CSR read sees includes the reading instruction itself.
        TranslatorHelpers.withHart(block) { hart in
            let instruction = TranslatorHelpers.decode(word0, word1)
            let before = hart.translator?.invalidations ?? 0
            let outcome = hart.executeSlow(instruction, at: pc, retiredInBlock: 1)
            if outcome == .next && (hart.translator?.invalidations ?? 0) != before {
                // It stored into translated code (an FP store, an AMO): leave after it.
                hart.pc = pc &+ UInt64(instruction.length)
                return UInt32(Status.exit)
            }
            return status(outcome)
        }
    }

    @inline(__always)
    static func status(_ outcome: Hart.SlowOutcome) -> UInt32 {
        switch outcome {
        case .next: return UInt32(Status.next)
        case .jump: return UInt32(Status.jump)
        case .exit: return UInt32(Status.exit)
        case .trap: return UInt32(Status.trap)
        }
    }

    /// Runs the instruction at the pc in the interpreter, fetching it (a unit that
    /// `crossesPageEnd`): `next` when it retired in the same privilege, so generated
    /// code may go on at the pc it left, else `exit` (it trapped, and the trap is taken).
    static let step: @convention(c) (UnsafeMutableRawPointer) -> UInt32 = { block in
        TranslatorHelpers.withHart(block) { hart in
            let before = hart.instret, privilege = hart.privilege
            hart.translator?.statistics.interpretedInstructions += 1
            hart.executeBlock(budget: 1)
            return hart.instret != before && hart.privilege == privilege ? UInt32(Status.next) : UInt32(Status.exit)
        }
    }

    /// A load the inline TLB probe could not do (a miss, MMIO, a page crossing):
    /// the value goes to the block's scratch field.
    static let load: @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64) -> UInt32 = { block, va, size in
        TranslatorHelpers.withHart(block) { hart in
            guard let value = hart.loadSlow(va, size: Int(size)) else { return UInt32(Status.trap) }
            // SAFETY: the block's UInt64 `scratch` field; the hart is alive (see `withHart`).
            hart.state.scratch.pointee = value
            return UInt32(Status.next)
        }
    }

    /// A store the inline probe could not do (a miss, MMIO, a page crossing, a page holding code).
    static let store: @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64, UInt64) -> UInt32 = { block, va, value, size in
        TranslatorHelpers.withHart(block) { hart in
            let before = hart.translator?.invalidations ?? 0
            guard hart.storeSlow(va, size: Int(size), value: value) else { return UInt32(Status.trap) }
            return (hart.translator?.invalidations ?? 0) != before ? UInt32(Status.codeChanged) : UInt32(Status.next)
        }
    }

    static func address<T>(of function: T) -> UInt64 {
        // SAFETY: callers pass `@convention(c)` functions, which are one code pointer; unsafeBitCast traps
        // on a size mismatch.
        UInt64(UInt(bitPattern: unsafeBitCast(function, to: UnsafeRawPointer.self)))
    }
}
