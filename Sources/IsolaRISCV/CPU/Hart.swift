import Atomics
import IsolaCore
import IsolaHost

/// One RISC-V hardware thread: its architectural state and the per-hart caches
/// (software TLB, decode cache) that make interpretation fast.
///
/// Threading: a hart is owned by exactly one host thread, the one calling
/// `run`. Other threads touch only `interruptLines` (atomic) and `parker`.
public final class Hart: @unchecked Sendable {
    /// Integer registers x0...x31 followed by the sink slot that absorbs writes to x0.
    public static let sinkRegister: UInt8 = 32

    public let hartID: UInt64
    public let machine: MachineContext

    /// x0...x31 and the sink; x0 is always zero because nothing ever writes slot 0.
    public let x: UnsafeMutablePointer<UInt64>
    /// f0...f31 as raw 64-bit patterns; single-precision values are NaN-boxed.
    public let f: UnsafeMutablePointer<UInt64>
    public var pc: UInt64 = 0
    public internal(set) var privilege: PrivilegeMode = .machine

    // Machine-level CSRs.
    var mstatus: UInt64 = MStatus.fixedXLEN
    public let misa: UInt64
    var medeleg: UInt64 = 0
    var mideleg: UInt64 = 0
    var mie: UInt64 = 0
    var mtvec: UInt64 = 0
    var mcounteren: UInt64 = 0
    var mcountinhibit: UInt64 = 0
    var mscratch: UInt64 = 0
    var mepc: UInt64 = 0
    var mcause: UInt64 = 0
    var mtval: UInt64 = 0
    var menvcfg: UInt64 = 0
    /// The `mip` bits software owns (SSIP, STIP, SEIP as written through the CSR).
    var mipSoftware: UInt64 = 0

    // Supervisor-level CSRs.
    var stvec: UInt64 = 0
    /// Resets to CY|TM|IR (the spec leaves the reset value open): Linux 6.1 without a PMU
    /// driver never writes it, and its vDSO reads `time` from U-mode.
    var scounteren: UInt64 = 0x7
    var sscratch: UInt64 = 0
    var sepc: UInt64 = 0
    var scause: UInt64 = 0
    var stval: UInt64 = 0
    var satp: UInt64 = 0
    var senvcfg: UInt64 = 0

    // Floating-point CSRs.
    var fflags: UInt64 = 0
    var frm: UInt64 = 0

    /// Retired instructions; `cycle` reads the same count.
    public internal(set) var instret: UInt64 = 0
    /// Offsets written to `mcycle`/`minstret` (the counters are derived).
    var cycleOffset: UInt64 = 0
    var instretOffset: UInt64 = 0

    var pmp = PhysicalMemoryProtection()

    /// The address reserved by the last LR, or `noReservation`.
    var reservationAddress: UInt64 = Hart.noReservation
    var reservationValue: UInt64 = 0
    static let noReservation: UInt64 = .max

    /// `mip` bits driven from outside this hart's thread: MSIP (CLINT), MEIP/SEIP (PLIC).
    public let interruptLines = ManagedAtomic<UInt64>(0)
    /// The supervisor timer compare that SBI `set_timer` programs: STIP is pending while `mtime >= stimecmp`.
    var stimecmp: UInt64 = .max
    /// SBI HSM state of the hart (`HartState`); harts other than the boot hart start stopped under the built-in SBI.
    public let hsmState = ManagedAtomic<UInt8>(HartState.started.rawValue)
    /// Where an `sbi_hart_start` asks the hart to begin (written before the state becomes startPending).
    var startAddress: UInt64 = 0
    var startOpaque: UInt64 = 0
    /// Remote requests from other harts (`RemoteRequest` bits), served between blocks.
    /// Its storage has a fixed address (`remoteRequestsAddress`) so that a host signal
    /// handler, which may only touch plain memory, can post a request too.
    public let remoteRequests: UnsafeAtomic<UInt32>
    /// The word behind `remoteRequests`, for C code that sets bits with an atomic OR.
    public let remoteRequestsAddress: UnsafeMutablePointer<UInt32.AtomicRepresentation>
    /// Where the hart sleeps in `wfi`; `kick` wakes it.
    public let parker = Parker()
    /// Set while the hart waits in `wfi` for an interrupt.
    public internal(set) var waitingForInterrupt = false

    /// The trap a memory access or helper raised, for the interpreter to take.
    var pendingCause: UInt64 = 0
    var pendingTval: UInt64 = 0

    let tlb: SoftTLB
    /// The TLB tables for the current data privilege and fetch privilege.
    var readTLB: UnsafeMutablePointer<TLBEntry>
    var writeTLB: UnsafeMutablePointer<TLBEntry>
    var fetchTLB: UnsafeMutablePointer<TLBEntry>
    /// Whether a superpage translation may sit in the TLB (as 4 KiB pieces) since the last full flush.
    var superpageCached = false
    let decodeCache: DecodeCache
    /// Per RAM page of this hart: nonzero where stores must take the slow path
    /// (bit 0: this hart has decoded code there; bit 1: a watched MMIO-like word such as HTIF's `tohost`).
    let pageFlags: UnsafeMutablePointer<UInt8>
    let ramPageCount: Int

    /// Prints each retired instruction when set (`--trace`).
    public var tracer: InstructionTracer?
    /// The monitor's SBI implementation, when the machine runs without M-mode firmware.
    public weak var environmentCallHandler: EnvironmentCallHandler?
    /// Takes U-mode exceptions instead of the guest's trap vector (the process VM).
    public weak var exceptionHandler: ExceptionHandler?

    public init(hartID: UInt64, machine: MachineContext, decodeCacheSlots: Int = 512) throws {
        self.hartID = hartID
        self.machine = machine
        x = .allocate(capacity: 33)
        x.initialize(repeating: 0, count: 33)
        f = .allocate(capacity: 32)
        f.initialize(repeating: 0, count: 32)
        // RV64 (MXL=2) with A, C, D, F, I, M, S, U.
        let extensions = "ACDFIMSU".utf8.reduce(UInt64(0)) { $0 | 1 << UInt64($1 - UInt8(ascii: "A")) }
        misa = (2 << 62) | extensions
        tlb = SoftTLB()
        readTLB = tlb.table(privilege: .machine, access: .read)
        writeTLB = tlb.table(privilege: .machine, access: .write)
        fetchTLB = tlb.table(privilege: .machine, access: .fetch)
        decodeCache = try DecodeCache(slotCount: decodeCacheSlots)
        remoteRequestsAddress = .allocate(capacity: 1)
        remoteRequestsAddress.initialize(to: .init(0))
        remoteRequests = UnsafeAtomic(at: remoteRequestsAddress)
        ramPageCount = Int(machine.ram.size / 4096)
        pageFlags = .allocate(capacity: ramPageCount)
        pageFlags.initialize(repeating: 0, count: ramPageCount)
        for page in machine.watchedPages { markWatched(physicalAddress: page) }
        updateTranslationContext()
    }

    deinit {
        x.deallocate()
        f.deallocate()
        pageFlags.deallocate()
        remoteRequestsAddress.deinitialize(count: 1)
        remoteRequestsAddress.deallocate()
    }

    /// Puts the hart in its reset state at `entry` in M-mode.
    public func reset(entry: UInt64) {
        pc = entry
        privilege = .machine
        mstatus = MStatus.fixedXLEN
        x.update(repeating: 0, count: 33)
        f.update(repeating: 0, count: 32)
        reservationAddress = Hart.noReservation
        updateTranslationContext()
        flushTLB()
    }

    /// Makes stores to this RAM page take the slow path so the platform sees them (HTIF `tohost`).
    func markWatched(physicalAddress: UInt64) {
        guard machine.ram.contains(physicalAddress) else { return }
        pageFlags[Int((physicalAddress - machine.ram.basePhysicalAddress) >> 12)] |= PageFlag.watched
    }

    /// Wakes the hart if it sleeps in `wfi` so it re-examines interrupts.
    public func kick() {
        parker.unpark()
    }

    /// Asserts or clears externally driven `mip` bits and wakes the hart.
    public func setInterruptLine(_ bits: UInt64, asserted: Bool) {
        if asserted {
            interruptLines.loadThenBitwiseOr(with: bits, ordering: .acquiringAndReleasing)
        } else {
            interruptLines.loadThenBitwiseAnd(with: ~bits, ordering: .acquiringAndReleasing)
        }
        kick()
    }
}

/// SBI HSM hart states (SBI specification v2.0, table 36).
public enum HartState: UInt8, Sendable {
    case started = 0
    case stopped = 1
    case startPending = 2
    case stopPending = 3
    case suspended = 4
}

/// Work one hart asks of another (SBI IPI and RFENCE).
public enum RemoteRequest {
    public static let fenceI: UInt32 = 1
    public static let sfenceVMA: UInt32 = 2
    /// The monitor wants the hart at an instruction boundary (a signal for a process VM's program).
    public static let monitorEvent: UInt32 = 4
    /// The monitor asks the hart to drop its decoded code and give that memory back.
    public static let trimCaches: UInt32 = 8
}

/// Flags in `Hart.pageFlags`.
enum PageFlag {
    static let code: UInt8 = 1
    static let watched: UInt8 = 2
}
