/// Sdtrig, the debug specification's trigger module (RISC-V Debug 1.0, chapter 5), as
/// QEMU's `virt` offers it to M-mode software: `tselect`, `tdata1`-`3` and `tinfo`, with
/// address triggers of type 2 (mcontrol) and 6 (mcontrol6) on execution, loads and
/// stores, raising a breakpoint exception (action 0; there is no debug mode to enter).
/// A firmware or kernel debugger sets them through the CSRs.
///
/// While any trigger is armed the hart runs one instruction at a time through the
/// interpreter and keeps no data pages in its TLB, so every fetch and access is compared
/// (`Hart.stepWatched`, `loadSlow`, `storeSlow`); with none armed nothing is compared.
public struct TriggerModule: Equatable, Sendable {
    public static let count = 4

    // tdata1 fields shared by mcontrol and mcontrol6.
    static let typeShift: UInt64 = 60
    public static let load: UInt64 = 1 << 0, store: UInt64 = 1 << 1, execute: UInt64 = 1 << 2
    static let user: UInt64 = 1 << 3, supervisor: UInt64 = 1 << 4, machine: UInt64 = 1 << 6
    static let match: UInt64 = 0xF << 7
    static let mcontrolHit: UInt64 = 1 << 20
    static let mcontrol6Hit0: UInt64 = 1 << 22

    static let mcontrol: UInt64 = 2, mcontrol6: UInt64 = 6, disabled: UInt64 = 15

    /// `tinfo`: version 1 (Sdtrig 1.0) and the types every trigger takes.
    static let info: UInt64 = (1 << 24) | (1 << mcontrol) | (1 << mcontrol6) | (1 << disabled)

    public private(set) var select = 0
    public private(set) var data1 = [UInt64](repeating: disabled << typeShift, count: count)
    public private(set) var data2 = [UInt64](repeating: 0, count: count)

    /// The kinds (execute, load, store bits) some enabled trigger watches.
    public private(set) var watched: UInt64 = 0
    public var armed: Bool { watched != 0 }

    public init() {}

    /// WARL: a trigger that does not exist leaves the selection as it was, so a debugger
    /// counting triggers reads back something else and stops.
    mutating func writeSelect(_ value: UInt64) {
        if value < UInt64(TriggerModule.count) { select = Int(value) }
    }

    /// Keeps what Isola implements: the two address types (anything else disables the
    /// trigger), matching on equal, NAPOT, at-least and below (anything else is equal),
    /// action 0, no chaining, no data match, any size, and dmode 0.
    mutating func writeData1(_ value: UInt64) {
        let type = value >> TriggerModule.typeShift
        let common = TriggerModule.load | TriggerModule.store | TriggerModule.execute | TriggerModule.user
            | TriggerModule.supervisor | TriggerModule.machine | TriggerModule.match
        var kept: UInt64
        switch type {
        case TriggerModule.mcontrol: kept = value & (common | TriggerModule.mcontrolHit)
        case TriggerModule.mcontrol6: kept = value & (common | TriggerModule.mcontrol6Hit0)
        default: kept = 0
        }
        if (kept & TriggerModule.match) >> 7 > 3 { kept &= ~TriggerModule.match }
        let storedType = kept == 0 && type != TriggerModule.mcontrol && type != TriggerModule.mcontrol6 ? TriggerModule.disabled : type
        data1[select] = storedType << TriggerModule.typeShift | kept
        recomputeWatched()
    }

    mutating func writeData2(_ value: UInt64) { data2[select] = value }

    private mutating func recomputeWatched() {
        watched = 0
        for d in data1 where d >> TriggerModule.typeShift != TriggerModule.disabled {
            watched |= d & (TriggerModule.load | TriggerModule.store | TriggerModule.execute)
        }
    }

    /// Whether a trigger of `kind` fires for `length` bytes at `address` in `privilege`;
    /// the firing trigger records its hit. In M-mode a trigger fires only with `mstatus.MIE`
    /// set, so the breakpoint handler, which runs with it clear, cannot trigger itself (the
    /// simpler of the two ways the debug spec's "Native M-mode Triggers" offers; no tcontrol).
    mutating func fires(_ kind: UInt64, address: UInt64, length: UInt64, privilege: PrivilegeMode, interruptsEnabled: Bool) -> Bool {
        let mode: UInt64
        switch privilege {
        case .machine:
            guard interruptsEnabled else { return false }
            mode = TriggerModule.machine
        case .supervisor: mode = TriggerModule.supervisor
        case .user: mode = TriggerModule.user
        }
        for i in 0..<TriggerModule.count {
            let d = data1[i]
            let type = d >> TriggerModule.typeShift
            guard type == TriggerModule.mcontrol || type == TriggerModule.mcontrol6, d & kind != 0, d & mode != 0 else { continue }
            let t = data2[i]
            let last = address &+ (length - 1)
            let hit: Bool
            switch (d & TriggerModule.match) >> 7 {
            case 0: hit = address <= t && t <= last
            case 1:
                // NAPOT: the trailing ones and the zero above them select the region's size.
                let ignored = t ^ (t &+ 1)
                hit = address & ~ignored == t & ~ignored
            case 2: hit = address >= t
            default: hit = address < t
            }
            if hit {
                data1[i] |= type == TriggerModule.mcontrol ? TriggerModule.mcontrolHit : TriggerModule.mcontrol6Hit0
                return true
            }
        }
        return false
    }

    /// For snapshots: puts back a saved module, checking nothing it would not keep itself.
    mutating func restore(select: Int, data1: [UInt64], data2: [UInt64]) {
        self = TriggerModule()
        for i in 0..<TriggerModule.count {
            self.select = i
            writeData1(data1[i])
            writeData2(data2[i])
        }
        writeSelect(UInt64(select))
    }
}

extension Hart {
    /// One instruction while triggers or a debugger's breakpoints are armed: a debugger
    /// breakpoint on `pc` stops the machine, an execute trigger raises a breakpoint
    /// exception (mtval = pc), either before the instruction runs.
    func stepWatched() {
        if debugger?.active == true && debuggerBreakpointHit() { return }
        if triggers.watched & TriggerModule.execute != 0,
           triggers.fires(TriggerModule.execute, address: pc, length: 2, privilege: privilege,
                          interruptsEnabled: mstatus & MStatus.mie != 0) {
            takeTrap(cause: ExceptionCause.breakpoint.rawValue, tval: pc, at: pc)
            return
        }
        executeBlock(budget: 1)
    }

    /// A load or store trigger on an access: records a breakpoint exception (mtval = the
    /// address) for the caller to take, as a fault would be.
    @inline(never)
    func dataTriggerFires(_ kind: UInt64, address: UInt64, length: Int) -> Bool {
        guard triggers.fires(kind, address: address, length: UInt64(length), privilege: dataPrivilege,
                             interruptsEnabled: mstatus & MStatus.mie != 0) else { return false }
        pendingCause = ExceptionCause.breakpoint.rawValue
        pendingTval = address
        return true
    }
}
