import Atomics
import IsolaCore

/// The monitor's built-in SBI firmware: it answers the guest kernel's `ecall`s
/// from S-mode directly (para-virtualization), so no M-mode firmware runs.
///
/// Implements SBI v2.0 Base, TIME, IPI, RFENCE, HSM, SRST and DBCN, and the
/// legacy v0.1 calls. Every guest-supplied address (DBCN buffers, legacy hart
/// masks) is checked against guest RAM.
public final class SupervisorBinaryInterface: EnvironmentCallHandler {
    public static let specificationVersion: UInt64 = 2 << 24  // v2.0
    /// Implementation ID; not in the SBI registry, chosen to be recognizable ("ISO").
    public static let implementationID: UInt64 = 0x49_534F
    public static let implementationVersion: UInt64 = 1

    let machine: MachineContext
    private let console: ByteSink
    /// Bytes typed on the host console for the legacy getchar and DBCN read.
    public var input: (() -> UInt8?)?
    /// The machine's harts, in hart-ID order.
    var harts: [Hart] { machine.clint.harts }

    public init(machine: MachineContext, console: ByteSink) {
        self.machine = machine
        self.console = console
    }

    public func handleEnvironmentCall(hart: Hart, from privilege: PrivilegeMode) -> Bool {
        guard privilege == .supervisor else { return false }
        let eid = hart.x[17], fid = hart.x[16]
        guard machine.interposer.check(InterpositionEvent(.sbi, SBIExtension.name(eid))) == .allow else {
            hart.x[10] = UInt64(bitPattern: SBIExtension.legacy.contains(eid) ? -1 : SBIError.denied.rawValue)
            return true
        }
        let a = (0..<6).map { hart.x[10 + $0] }
        if SBIExtension.legacy.contains(eid) {
            hart.x[10] = UInt64(bitPattern: legacy(eid, hart: hart, a))
            return true
        }
        let (error, value) = call(eid: eid, fid: fid, hart: hart, a)
        hart.x[10] = UInt64(bitPattern: error.rawValue)
        hart.x[11] = value
        return true
    }

    private func call(eid: UInt64, fid: UInt64, hart: Hart, _ a: [UInt64]) -> (SBIError, UInt64) {
        switch eid {
        case SBIExtension.base:
            switch fid {
            case 0: return (.success, Self.specificationVersion)
            case 1: return (.success, Self.implementationID)
            case 2: return (.success, Self.implementationVersion)
            case 3: return (.success, SBIExtension.implemented.contains(a[0]) || SBIExtension.legacy.contains(a[0]) ? 1 : 0)
            case 4, 5, 6: return (.success, 0)  // mvendorid, marchid, mimpid
            default: return (.notSupported, 0)
            }
        case SBIExtension.time:
            guard fid == 0 else { return (.notSupported, 0) }
            hart.stimecmp = a[0]
            return (.success, 0)
        case SBIExtension.ipi:
            guard fid == 0 else { return (.notSupported, 0) }
            guard let targets = harts(mask: a[0], base: a[1]) else { return (.invalidParameter, 0) }
            for t in targets { t.setInterruptLine(InterruptBits.ssip, asserted: true) }
            return (.success, 0)
        case SBIExtension.rfence:
            guard let targets = harts(mask: a[0], base: a[1]) else { return (.invalidParameter, 0) }
            switch fid {
            case 0: fence(targets, ExitRequest.fenceI, from: hart)
            case 1, 2: fence(targets, ExitRequest.sfenceVMA, from: hart)  // a full flush covers any range and ASID
            default: return (.notSupported, 0)
            }
            return (.success, 0)
        case SBIExtension.hsm:
            return hartStateManagement(fid: fid, hart: hart, a)
        case SBIExtension.srst:
            guard fid == 0 else { return (.notSupported, 0) }
            switch a[0] {
            case 0: machine.request(.poweroff(exitCode: a[1] == 0 ? 0 : 1))  // reason 0: none, 1: system failure
            case 1, 2: machine.request(.reset)
            default: return (.invalidParameter, 0)
            }
            return (.success, 0)
        case SBIExtension.dbcn:
            return debugConsole(fid: fid, a)
        default:
            return (.notSupported, 0)
        }
    }

    /// The harts named by an SBI hart mask; nil when it names a hart that does not exist.
    private func harts(mask: UInt64, base: UInt64) -> [Hart]? {
        if base == UInt64.max { return harts }  // all harts
        var result: [Hart] = []
        for bit in 0..<64 where mask & (1 << UInt64(bit)) != 0 {
            let id = base &+ UInt64(bit)
            guard id < UInt64(harts.count) else { return nil }
            result.append(harts[Int(id)])
        }
        return result
    }

    /// Asks other harts to fence and waits until each has done so (SBI RFENCE is synchronous).
    private func fence(_ targets: [Hart], _ request: UInt32, from caller: Hart) {
        for t in targets where t !== caller {
            t.post(request)
        }
        if targets.contains(where: { $0 === caller }) { caller.perform(request) }
        for t in targets where t !== caller {
            while t.exitRequests.load(ordering: .acquiring) & request != 0
                && t.hsmState.load(ordering: .acquiring) == HSMState.started.rawValue
                && !machine.stopRequested.load(ordering: .relaxed) {
                caller.serveFences()  // two harts fencing each other must not wait forever
                t.kick()
            }
        }
    }

    private func debugConsole(fid: UInt64, _ a: [UInt64]) -> (SBIError, UInt64) {
        switch fid {
        case 0:  // console_write(num_bytes, base_lo, base_hi)
            guard let bytes = machine.ram.read(at: a[1], length: Int(min(a[0], 1 << 20))), a[2] == 0 else {
                return (.invalidParameter, 0)
            }
            for b in bytes { console.write(byte: b) }
            return (.success, UInt64(bytes.count))
        case 1:  // console_read(num_bytes, base_lo, base_hi)
            guard a[2] == 0, machine.ram.contains(a[1], length: max(a[0], 1)) else { return (.invalidParameter, 0) }
            var count: UInt64 = 0
            while count < a[0], let byte = input?() {
                try? machine.ram.write([byte], at: a[1] + count)
                count += 1
            }
            return (.success, count)
        case 2:  // console_write_byte(byte)
            console.write(byte: UInt8(truncatingIfNeeded: a[0]))
            return (.success, 0)
        default:
            return (.notSupported, 0)
        }
    }

    /// SBI v0.1 calls: the result is in a0 only; hart masks are pointers to a mask in memory.
    private func legacy(_ eid: UInt64, hart: Hart, _ a: [UInt64]) -> Int64 {
        func maskTargets(_ pointer: UInt64) -> [Hart]? {
            if pointer == 0 { return harts }
            guard let bytes = machine.ram.read(at: pointer, length: 8) else { return nil }
            let mask = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            return harts(mask: mask, base: 0)
        }
        switch eid {
        case 0x00: hart.stimecmp = a[0]; return 0
        case 0x01: console.write(byte: UInt8(truncatingIfNeeded: a[0])); return 0
        case 0x02: return input?().map { Int64($0) } ?? -1
        case 0x03:
            hart.setInterruptLine(InterruptBits.ssip, asserted: false)
            return 0
        case 0x04:
            guard let targets = maskTargets(a[0]) else { return SBIError.invalidAddress.rawValue }
            for t in targets { t.setInterruptLine(InterruptBits.ssip, asserted: true) }
            return 0
        case 0x05, 0x06, 0x07:
            guard let targets = maskTargets(a[0]) else { return SBIError.invalidAddress.rawValue }
            fence(targets, eid == 0x05 ? ExitRequest.fenceI : ExitRequest.sfenceVMA, from: hart)
            return 0
        case 0x08:
            machine.request(.poweroff(exitCode: 0))
            return 0
        default:
            return SBIError.notSupported.rawValue
        }
    }
}
