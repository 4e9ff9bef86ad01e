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
    /// The unit is one 4-byte instruction that starts in the page's last two bytes,
    /// which the interpreter runs (fetching it anew each time, so the next page's
    /// mapping and contents never become part of the unit), and then the unit goes on
    /// wherever that instruction left the pc. `instructions` is empty.
    var crossesPageEnd = false
    /// For such a unit, the instruction as it read when translated, when the backend
    /// compiles it (`highHalf` is its half in the next page): the unit runs it inline
    /// while the next page is in the fetch TLB and still holds those two bytes, and
    /// calls the interpreter otherwise.
    var crossing: (instruction: Instruction, highHalf: UInt16)?

    /// The pc after the last instruction, where a unit that does not jump goes on.
    var fallthroughPC: UInt64 {
        guard let last = instructions.last else { return startPC }
        return last.pc &+ UInt64(last.decoded.length)
    }

    /// Bytes of guest code the unit covers (from `startPC`): for one across the page
    /// end, the half in this page, which says what kind of instruction it is.
    var guestByteCount: UInt64 { crossesPageEnd ? 2 : fallthroughPC &- startPC }

    /// Whether a 4-byte instruction whose low half is `low` does nothing the run loop
    /// must look at afterwards, by its major opcode (which lies in the low half):
    /// loads, stores, integer and FP arithmetic, atomics, jumps and branches; not
    /// SYSTEM (CSRs, `ecall`, `mret`, `wfi`, `sfence.vma`) nor MISC-MEM (fences).
    static func isPlain(lowHalf low: UInt16) -> Bool {
        switch low & 0x7F {
        case 0x03, 0x07, 0x13, 0x17, 0x1B, 0x23, 0x27, 0x2F, 0x33, 0x37, 0x3B,
             0x43, 0x47, 0x4B, 0x4F, 0x53, 0x63, 0x67, 0x6F:
            return true
        default:
            return false
        }
    }

    /// Instructions longer than this are split into several units, which bounds
    /// translation time and how long a unit runs between exit-request checks.
    static let maximumInstructions = 64

    /// Whether `opcode` always ends a unit: it transfers control, or it is a system
    /// instruction after which the hart must look at its state again.
    static func endsUnit(_ opcode: Opcode) -> Bool {
        switch opcode {
        case .jal, .jalr, .beq, .bne, .blt, .bge, .bltu, .bgeu,
             .ecall, .ebreak, .mret, .sret, .wfi, .fenceI, .sfenceVMA, .sinvalVMA, .illegal:
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
    /// A jump to a unit of the same page that is not linked yet: `pc` is its target and
    /// the block's `linkSite` the jump to patch once the dispatcher has that unit.
    case link = 6

    var name: String {
        switch self {
        case .lookupMiss: return "lookup-miss"
        case .trap: return "trap"
        case .helperExit: return "system"
        case .helperJump: return "fence"
        case .entryRefused: return "exit-request-or-budget"
        case .codeChanged: return "code-changed"
        case .link: return "link"
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
    /// Where an unlinked jump to a unit of the same page goes, with the target pc in
    /// the first scratch register and the jump's own address in the second.
    var linkStub: UInt64
    /// `@convention(c)` helpers (`TranslatorHelpers`), by the state-block field that holds each.
    var interpretHelper = HartStateBlock.Offset.interpretHelper
    var stepHelper = HartStateBlock.Offset.stepHelper
    var loadHelper = HartStateBlock.Offset.loadHelper
    var storeHelper = HartStateBlock.Offset.storeHelper
}

/// The shared code at the start of a code cache, with the offsets of its parts.
struct RuntimeCode {
    var bytes: [UInt8]
    /// The entry trampoline, a C function `(stateBlock, unitCode) -> UnitExit`.
    var entry: Int
    var exit: Int
    var lookup: Int
    var link: Int

    /// The parts by name and byte range, for the perf map.
    var parts: [(name: String, offset: Int, size: Int)] {
        let starts = [("isola:entry", entry), ("isola:exit", exit), ("isola:lookup", lookup), ("isola:link", link)]
            .sorted { $0.1 < $1.1 }
        return starts.enumerated().map { i, part in
            (part.0, part.1, (i + 1 < starts.count ? starts[i + 1].1 : bytes.count) - part.1)
        }
    }
}

/// A code generator for one host instruction set. The x86-64 one is
/// `X86Backend`; an arm64 one would implement the same members.
protocol TranslatorBackend {
    /// The shared code at the start of a code cache at `origin`: the entry
    /// trampoline, the exit stub, the lookup stub and the link stub.
    static func runtimeCode(origin: UInt64) -> RuntimeCode
    /// Host code for `plan`, to execute at `origin`, entered only while the state
    /// block's epoch is `epoch`.
    static func compile(_ plan: UnitPlan, origin: UInt64, runtime: TranslatorRuntime, epoch: Int32) -> [UInt8]
    /// Where in every unit's code its epoch sits (a 32-bit immediate), for the
    /// translator to move a unit into a new epoch once it has checked it.
    static var epochOffset: Int { get }
    /// Makes the patchable jump whose code is at `siteAddress` (written through
    /// `site`, the cache's writable view of it) go to `target`.
    static func patchJump(at site: UnsafeMutableRawPointer, siteAddress: UInt64, to target: UInt64)
    /// Whether a unit that `crossesPageEnd` may run `instruction` inline (one that
    /// only goes on to the next instruction or traps).
    static func compilesAcrossPageEnd(_ instruction: DecodedInstruction) -> Bool
    /// Where the patchable jump at `site` goes now.
    static func jumpTarget(at site: UnsafeRawPointer, siteAddress: UInt64) -> UInt64
}
