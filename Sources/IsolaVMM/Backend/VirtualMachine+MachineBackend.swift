import IsolaDevices
import IsolaRISCV

/// The emulated board's answers to what `MachineBackend` asks beyond the calls
/// `VirtualMachine` has for its own sake.
extension VirtualMachine {
    public var vcpus: [any VirtualCPU] { machine.harts }

    public func trimCaches() { machine.trimCaches() }

    public func counters() -> MachineCounters {
        var counters = MachineCounters()
        counters.instructionsRetired = machine.instructionsRetired
        counters.memoryBytes = machine.context.ram.size
        counters.memoryResidentBytes = machine.context.ram.residentBytes
        if let balloon = machine.balloon?.device {
            counters.balloon = .init(targetBytes: UInt64(balloon.target) * VirtioBalloon.pageSize,
                                     actualBytes: UInt64(balloon.actual) * VirtioBalloon.pageSize,
                                     returnedBytes: UInt64(balloon.inflatedPages.load(ordering: .relaxed)) * VirtioBalloon.pageSize)
        }
        counters.throttledPeriods = bandwidth.throttledPeriods
        counters.events = machine.context.interposer.counts()
        return counters
    }
}

extension Hart: VirtualCPU {
    public var index: Int { Int(hartID) }
    public var programCounter: UInt64 { pc }
    public var isOnline: Bool { hsmState.load(ordering: .relaxed) == HSMState.started.rawValue }
}
