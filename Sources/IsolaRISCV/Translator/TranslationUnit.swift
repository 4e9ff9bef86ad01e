/// What a translation unit is made of: guest instructions from one virtual
/// page, in order, run straight through (a basic block). The last one decides
/// where control goes next; a unit that ends for another reason (its size, the
/// page end, an instruction it cannot hold) falls through to the next pc.
struct UnitPlan {
    struct Instruction {
        var pc: UInt64
        var decoded: DecodedInstruction
    }

    /// The guest virtual pc of the first instruction.
    let startPC: UInt64
    var instructions: [Instruction] = []

    /// The pc after the last instruction, where a unit that does not jump goes on.
    var fallthroughPC: UInt64 {
        guard let last = instructions.last else { return startPC }
        return last.pc &+ UInt64(last.decoded.length)
    }

    /// Bytes of guest code the unit covers (from `startPC`).
    var guestByteCount: UInt64 { fallthroughPC &- startPC }

    /// Instructions longer than this are split into several units, which bounds
    /// translation time and how long a unit runs between exit-request checks.
    static let maximumInstructions = 64

    /// Whether `opcode` always ends a unit: it transfers control, or it is a system
    /// instruction after which the hart must look at its state again.
    static func endsUnit(_ opcode: Opcode) -> Bool {
        switch opcode {
        case .jal, .jalr, .beq, .bne, .blt, .bge, .bltu, .bgeu,
             .ecall, .ebreak, .mret, .sret, .wfi, .fenceI, .sfenceVMA, .illegal:
            return true
        default:
            return false
        }
    }
}

/// Why generated code returned to the dispatcher (the value it leaves in the
/// host's return register); also the keys of the exit statistics.
enum UnitExit: UInt32, CaseIterable {
    /// The next unit is not in the jump cache; `pc` is where to go on.
    case lookupMiss = 0
    /// An instruction trapped; `pc` is that instruction and the pending trap says why.
    case trap = 1
    /// An instruction the interpreter ran asked the hart to look at its state
    /// (a CSR write, `wfi`, `mret`); `pc` is where to go on.
    case helperExit = 2
    /// An instruction the interpreter ran changed the pc itself (a fence); go on at `pc`.
    case helperJump = 3
    /// A unit was entered with the exit-request word set or the budget used up; `pc` is its start.
    case entryRefused = 4
    /// A store changed translated code; `pc` is the next instruction.
    case codeChanged = 5

    var name: String {
        switch self {
        case .lookupMiss: return "lookup-miss"
        case .trap: return "trap"
        case .helperExit: return "system"
        case .helperJump: return "fence"
        case .entryRefused: return "exit-request-or-budget"
        case .codeChanged: return "code-changed"
        }
    }
}

/// Addresses generated code needs from the rest of the translator.
struct TranslatorRuntime {
    /// Where every unit leaves to (the host's return register holds a `UnitExit`).
    var exitStub: UInt64
    /// Where a unit goes with the next guest pc in the host's first scratch register:
    /// the inline jump-cache probe, which enters the next unit or exits with `lookupMiss`.
    var lookupStub: UInt64
    /// `@convention(c)` helpers (`TranslatorHelpers`).
    var interpretHelper: UInt64
    var loadHelper: UInt64
    var storeHelper: UInt64
}

/// A code generator for one host instruction set. The x86-64 one is
/// `X86Backend`; an arm64 one would implement the same two functions.
protocol TranslatorBackend {
    /// The shared code at the start of a code cache at `origin`: the entry
    /// trampoline (a C function `(stateBlock, unitCode) -> UnitExit`), the exit
    /// stub and the lookup stub, with their offsets.
    static func runtimeCode(origin: UInt64) -> (bytes: [UInt8], entry: Int, exit: Int, lookup: Int)
    /// Host code for `plan`, to execute at `origin`.
    static func compile(_ plan: UnitPlan, origin: UInt64, runtime: TranslatorRuntime) -> [UInt8]
}
