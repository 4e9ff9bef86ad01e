import Atomics

/// The part of a hart's state that translated code reads and writes, in one
/// fixed-layout buffer with stable offsets.
///
/// Generated code holds the block's address in a pinned host register and
/// reaches every field at a constant displacement (`HartStateBlock.Offset`), so
/// nothing here may live in a stored property of a Swift class, whose layout the
/// compiler owns. The interpreter uses the same fields through the accessors
/// below, so both engines always see one state.
///
/// Threading: owned by the hart's thread, except `exitRequests`, which any
/// thread (and a host signal handler) may set with an atomic OR.
struct HartStateBlock {
    /// Byte offsets of the fields; every field is 8 bytes wide (the exit-request
    /// word uses the low 4) so displacements stay aligned.
    enum Offset {
        /// x0...x31, then the sink slot that absorbs writes to x0 (`Hart.sinkRegister`).
        static let x = 0
        /// f0...f31 as raw 64-bit patterns.
        static let f = 33 * 8
        static let pc = f + 32 * 8
        /// Instructions retired (exact whenever control is outside a translation unit).
        static let instret = pc + 8
        /// Translated code leaves at the next unit entry once `instret` reaches this.
        static let instretLimit = instret + 8
        /// The exit-request word (`ExitRequest` bits): nonzero makes the hart stop
        /// at its next block boundary or unit entry.
        static let exitRequests = instretLimit + 8
        static let readTLB = exitRequests + 8
        static let writeTLB = readTLB + 8
        static let fetchTLB = writeTLB + 8
        /// The translator's jump cache for the current fetch privilege.
        static let jumpCache = fetchTLB + 8
        /// `PrivilegeMode.rawValue` in the low byte.
        static let privilege = jumpCache + 8
        /// The trap a memory access or helper raised, for the interpreter to take.
        static let pendingCause = privilege + 8
        static let pendingTval = pendingCause + 8
        /// The owning `Hart`, unretained, for helpers called from generated code.
        static let hart = pendingTval + 8
        /// Where a load helper leaves the value it read, for generated code to pick up.
        static let scratch = hart + 8
        /// The translator's `fence.i` epoch: every unit's entry compares it with the
        /// epoch in which the unit last matched memory.
        static let epoch = scratch + 8
        /// Where a unit's jump to another unit of its page left from (the site that
        /// the dispatcher patches into a direct jump), with `UnitExit.link`.
        static let linkSite = epoch + 8
        /// The CSRs inline floating point depends on: FS in `mstatus`, and `fcsr` as
        /// `fflags` and `frm` (each in the low bits of its own word).
        static let mstatus = linkSite + 8
        static let fflags = mstatus + 8
        static let frm = fflags + 8
        /// The `@convention(c)` helpers generated code calls (`TranslatorHelpers`),
        /// reached through the block rather than baked into the code: generated code
        /// then names no address of this process's, and could run in another one.
        static let interpretHelper = frm + 8
        static let stepHelper = interpretHelper + 8
        static let loadHelper = stepHelper + 8
        static let storeHelper = loadHelper + 8
        static let size = 704
    }

    let base: UnsafeMutableRawPointer

    init() {
        // SAFETY: a fresh, zeroed, 64-byte aligned allocation owned by this block until `deallocate`.
        base = .allocate(byteCount: Offset.size, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: Offset.size)
    }

    func deallocate() {
        base.deallocate()
    }

    // SAFETY: for every accessor below, the offsets lie inside the block and are
    // 8-byte aligned; the block outlives the hart that uses it.
    @inline(__always)
    private func field<T>(_ offset: Int, _: T.Type) -> UnsafeMutablePointer<T> {
        (base + offset).assumingMemoryBound(to: T.self)
    }

    var x: UnsafeMutablePointer<UInt64> { field(Offset.x, UInt64.self) }
    var f: UnsafeMutablePointer<UInt64> { field(Offset.f, UInt64.self) }
    var pc: UnsafeMutablePointer<UInt64> { field(Offset.pc, UInt64.self) }
    var instret: UnsafeMutablePointer<UInt64> { field(Offset.instret, UInt64.self) }
    var instretLimit: UnsafeMutablePointer<UInt64> { field(Offset.instretLimit, UInt64.self) }
    var exitRequests: UnsafeMutablePointer<UInt32.AtomicRepresentation> {
        field(Offset.exitRequests, UInt32.AtomicRepresentation.self)
    }
    var readTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBEntry>?> { field(Offset.readTLB, UnsafeMutablePointer<TLBEntry>?.self) }
    var writeTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBEntry>?> { field(Offset.writeTLB, UnsafeMutablePointer<TLBEntry>?.self) }
    var fetchTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBEntry>?> { field(Offset.fetchTLB, UnsafeMutablePointer<TLBEntry>?.self) }
    var jumpCache: UnsafeMutablePointer<UnsafeMutableRawPointer?> { field(Offset.jumpCache, UnsafeMutableRawPointer?.self) }
    var privilege: UnsafeMutablePointer<UInt8> { field(Offset.privilege, UInt8.self) }
    var pendingCause: UnsafeMutablePointer<UInt64> { field(Offset.pendingCause, UInt64.self) }
    var pendingTval: UnsafeMutablePointer<UInt64> { field(Offset.pendingTval, UInt64.self) }
    var hart: UnsafeMutablePointer<UnsafeMutableRawPointer?> { field(Offset.hart, UnsafeMutableRawPointer?.self) }
    var scratch: UnsafeMutablePointer<UInt64> { field(Offset.scratch, UInt64.self) }
    var epoch: UnsafeMutablePointer<UInt64> { field(Offset.epoch, UInt64.self) }
    var linkSite: UnsafeMutablePointer<UInt64> { field(Offset.linkSite, UInt64.self) }
    var mstatus: UnsafeMutablePointer<UInt64> { field(Offset.mstatus, UInt64.self) }
    var fflags: UnsafeMutablePointer<UInt64> { field(Offset.fflags, UInt64.self) }
    var frm: UnsafeMutablePointer<UInt64> { field(Offset.frm, UInt64.self) }
    func helper(_ offset: Int) -> UnsafeMutablePointer<UInt64> { field(offset, UInt64.self) }
}

/// Bits of the exit-request word: everything that must stop a running hart sets
/// one with an atomic OR and then wakes it (`Hart.kick`).
public enum ExitRequest {
    /// Another hart asks for `fence.i` (SBI remote fence).
    public static let fenceI: UInt32 = 1
    /// Another hart asks for `sfence.vma` (SBI remote fence).
    public static let sfenceVMA: UInt32 = 2
    /// The monitor wants the hart at an instruction boundary (a signal for a process VM's program).
    public static let monitorEvent: UInt32 = 4
    /// The monitor asks the hart to drop its decoded and translated code and give that memory back.
    public static let trimCaches: UInt32 = 8
    /// Something the run loop must look at: an interrupt line changed, an IPI, a
    /// pause, stop or throttle of the machine, a hart started.
    public static let wake: UInt32 = 16
}
