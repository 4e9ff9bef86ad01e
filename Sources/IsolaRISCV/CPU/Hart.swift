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

    /// The state translated code shares with the interpreter, at fixed offsets.
    let state: HartStateBlock
    /// x0...x31 and the sink; x0 is always zero because nothing ever writes slot 0.
    public let x: UnsafeMutablePointer<UInt64>
    /// f0...f31 as raw 64-bit patterns; single-precision values are NaN-boxed.
    public let f: UnsafeMutablePointer<UInt64>
    public var pc: UInt64 {
        // SAFETY: `state` is this hart's block, freed only in deinit; `pc` is its UInt64 field.
        @inline(__always) get { state.pc.pointee }
        @inline(__always) set { state.pc.pointee = newValue }
    }
    public internal(set) var privilege: PrivilegeMode {
        // SAFETY: only `PrivilegeMode` raw values are ever stored in the block.
        @inline(__always) get { PrivilegeMode(rawValue: state.privilege.pointee).unsafelyUnwrapped }
        @inline(__always) set { state.privilege.pointee = newValue.rawValue }
    }

    // Machine-level CSRs.
    /// In the state block: translated floating point checks FS.
    var mstatus: UInt64 {
        // SAFETY: as for `pc`.
        @inline(__always) get { state.mstatus.pointee }
        @inline(__always) set { state.mstatus.pointee = newValue }
    }
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

    // Floating-point CSRs, in the state block: translated floating point reads both.
    var fflags: UInt64 {
        // SAFETY: as for `pc`.
        @inline(__always) get { state.fflags.pointee }
        @inline(__always) set { state.fflags.pointee = newValue }
    }
    var frm: UInt64 {
        // SAFETY: as for `pc`.
        @inline(__always) get { state.frm.pointee }
        @inline(__always) set { state.frm.pointee = newValue }
    }

    /// Retired instructions; `cycle` reads the same count. Relaxed atomics (plain moves
    /// on the host): the monitor reads every hart's count from its own thread.
    public internal(set) var instret: UInt64 {
        @inline(__always) get { instretAtomic.load(ordering: .relaxed) }
        @inline(__always) set { instretAtomic.store(newValue, ordering: .relaxed) }
    }

    @inline(__always)
    private var instretAtomic: UnsafeAtomic<UInt64> {
        // SAFETY: the state block's 8-byte aligned `instret` word, alive as long as the hart;
        // UInt64.AtomicRepresentation has UInt64's layout, and generated code writes it as one.
        UnsafeAtomic(at: UnsafeMutableRawPointer(state.instret).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }
    /// Offsets written to `mcycle`/`minstret` (the counters are derived).
    var cycleOffset: UInt64 = 0
    var instretOffset: UInt64 = 0

    var pmp = PhysicalMemoryProtection()
    /// Sdtrig's triggers (`tselect`, `tdata1`, `tdata2`).
    var triggers = TriggerModule()
    /// The gdb stub's breakpoints and watchpoints, when a debugger is attached (set before
    /// the harts run, or while the machine is paused).
    public var debugger: DebuggerControl?
    /// Whether each instruction and data access must be compared with triggers or a debugger's breakpoints.
    var instrumented: Bool { triggers.armed || debugger?.active == true }
    /// Whether data accesses must all take the slow path (no data TLB entries).
    var watchesData: Bool { triggers.armed || debugger?.watchesData == true }

    /// The address reserved by the last LR, or `noReservation`.
    var reservationAddress: UInt64 = Hart.noReservation
    var reservationValue: UInt64 = 0
    static let noReservation: UInt64 = .max

    /// `mip` bits driven from outside this hart's thread: MSIP (CLINT), MEIP/SEIP (PLIC).
    public let interruptLines = ManagedAtomic<UInt64>(0)
    /// The supervisor timer compare that SBI `set_timer` programs: STIP is pending while `mtime >= stimecmp`.
    var stimecmp: UInt64 = .max
    /// SBI HSM state of the hart (`HSMState`); harts other than the boot hart start stopped under the built-in SBI.
    public let hsmState = ManagedAtomic<UInt8>(HSMState.started.rawValue)
    /// Where an `sbi_hart_start` asks the hart to begin (written before the state becomes startPending).
    var startAddress: UInt64 = 0
    var startOpaque: UInt64 = 0
    /// The exit-request word (`ExitRequest` bits): whatever must stop this hart
    /// (another hart's fence, an interrupt line, the monitor's pause, stop or
    /// throttle, a host signal) sets a bit; the run loop and translated code check
    /// it at block boundaries and unit entries. It lives in the state block at a
    /// fixed address (`exitRequestsAddress`) so that a host signal handler, which
    /// may only touch plain memory, can post a request too.
    public let exitRequests: UnsafeAtomic<UInt32>
    /// The word behind `exitRequests`, for C code that sets bits with an atomic OR.
    public let exitRequestsAddress: UnsafeMutablePointer<UInt32.AtomicRepresentation>
    /// Where the hart sleeps in `wfi`; `kick` wakes it.
    public let parker = Parker()
    /// Set while the hart waits in `wfi` for an interrupt.
    public internal(set) var waitingForInterrupt = false

    /// The trap a memory access or helper raised, for the interpreter to take.
    var pendingCause: UInt64 {
        // SAFETY: as for `pc`.
        @inline(__always) get { state.pendingCause.pointee }
        @inline(__always) set { state.pendingCause.pointee = newValue }
    }
    var pendingTval: UInt64 {
        // SAFETY: as for `pc`.
        @inline(__always) get { state.pendingTval.pointee }
        @inline(__always) set { state.pendingTval.pointee = newValue }
    }

    let tlb: SoftTLB
    /// The TLB tables for the current data privilege and fetch privilege.
    // SAFETY: for all three, `updateTranslationContext` sets them in `init`, before any use.
    var readTLB: UnsafeMutablePointer<TLBEntry> {
        @inline(__always) get { state.readTLB.pointee.unsafelyUnwrapped }
        @inline(__always) set { state.readTLB.pointee = newValue }
    }
    var writeTLB: UnsafeMutablePointer<TLBEntry> {
        @inline(__always) get { state.writeTLB.pointee.unsafelyUnwrapped }
        @inline(__always) set { state.writeTLB.pointee = newValue }
    }
    var fetchTLB: UnsafeMutablePointer<TLBEntry> {
        // SAFETY: as for `readTLB`.
        @inline(__always) get { state.fetchTLB.pointee.unsafelyUnwrapped }
        @inline(__always) set { state.fetchTLB.pointee = newValue }
    }
    /// Whether a superpage translation may sit in the TLB (as 4 KiB pieces) since the last full flush.
    var superpageCached = false
    let decodeCache: DecodeCache
    /// Per RAM page of this hart: nonzero where stores must take the slow path
    /// (bit 0: this hart has decoded code there; bit 1: a watched MMIO-like word such as HTIF's `tohost`).
    let pageFlags: UnsafeMutablePointer<UInt8>
    let ramPageCount: Int

    /// The dynamic binary translator, when this hart runs translated code (`ExecutionEngine.jit`).
    var translator: Translator?

    /// Prints each retired instruction when set (`--trace`).
    public var tracer: InstructionTracer?
    /// The monitor's SBI implementation, when the machine runs without M-mode firmware.
    public weak var environmentCallHandler: EnvironmentCallHandler?
    /// Takes U-mode exceptions instead of the guest's trap vector (the process VM).
    public weak var exceptionHandler: ExceptionHandler?

    public init(hartID: UInt64, machine: MachineContext, decodeCacheSlots: Int = 512) throws {
        self.hartID = hartID
        self.machine = machine
        state = HartStateBlock()
        x = state.x
        f = state.f
        // SAFETY: `state` was just allocated (zeroed) for this hart; these are its own fields.
        state.privilege.pointee = PrivilegeMode.machine.rawValue
        state.mstatus.pointee = MStatus.fixedXLEN
        // RV64 (MXL=2) with A, C, D, F, I, M, S, U.
        let extensions = "ACDFIMSU".utf8.reduce(UInt64(0)) { $0 | 1 << UInt64($1 - UInt8(ascii: "A")) }
        misa = (2 << 62) | extensions
        tlb = SoftTLB()
        decodeCache = try DecodeCache(slotCount: decodeCacheSlots)
        exitRequestsAddress = state.exitRequests
        // SAFETY: the block's exit-request word, 8-byte aligned, lives until deinit, as long as the atomic.
        exitRequests = UnsafeAtomic(at: exitRequestsAddress)
        ramPageCount = Int(machine.ram.size / 4096)
        pageFlags = .allocate(capacity: ramPageCount)
        pageFlags.initialize(repeating: 0, count: ramPageCount)
        for page in machine.watchedPages { markWatched(physicalAddress: page) }
        // SAFETY: unretained: the block is freed in this hart's deinit, so it never outlives the hart.
        state.hart.pointee = Unmanaged.passUnretained(self).toOpaque()
        updateTranslationContext()
    }

    deinit {
        pageFlags.deallocate()
        state.deallocate()
    }

    /// Puts the hart in its reset state at `entry` in M-mode.
    public func reset(entry: UInt64) {
        pc = entry
        privilege = .machine
        mstatus = MStatus.fixedXLEN
        x.update(repeating: 0, count: 33)
        f.update(repeating: 0, count: 32)
        reservationAddress = Hart.noReservation
        triggers = TriggerModule()
        updateTranslationContext()
        flushTLB()
    }

    /// Makes stores to this RAM page take the slow path so the platform sees them (HTIF `tohost`).
    func markWatched(physicalAddress: UInt64) {
        guard machine.ram.contains(physicalAddress) else { return }
        pageFlags[Int((physicalAddress - machine.ram.basePhysicalAddress) >> 12)] |= PageFlag.watched
    }

    /// Makes the hart look at its state at the next block boundary (or unit entry)
    /// and wakes it if it sleeps in `wfi` or a wait.
    public func kick() {
        exitRequests.loadThenBitwiseOr(with: ExitRequest.wake, ordering: .acquiringAndReleasing)
        parker.unpark()
    }

    /// Posts exit requests (`ExitRequest` bits) and wakes the hart.
    public func post(_ requests: UInt32) {
        exitRequests.loadThenBitwiseOr(with: requests, ordering: .acquiringAndReleasing)
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

/// Flags in `Hart.pageFlags`.
enum PageFlag {
    static let code: UInt8 = 1
    static let watched: UInt8 = 2
    /// The hart's translator holds units made from the page.
    static let translated: UInt8 = 4
}
