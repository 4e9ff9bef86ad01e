import IsolaCore
import IsolaVMM

/// A VM as the control API shows it (`GET /vms/{name}`, and each row of `GET /vms`).
public struct VMInfo: Codable, Sendable, Equatable {
    public var name: String
    public var state: VMState
    public var vcpus: Int
    /// vCPUs the guest has brought online (from the running worker).
    public var vcpusOnline: Int?
    public var memory: String
    public var cpu: CPUShare
    public var restart: RestartPolicy
    public var pid: Int32?
    public var uptimeSeconds: Double?
    /// Host CPU used over the last second, in percent of one CPU.
    public var cpuPercent: Double?
    /// Host CPU time the worker has used (user and system).
    public var cpuSeconds: Double?
    /// The worker's resident memory, guest RAM included.
    public var residentBytes: UInt64?
    /// Guest RAM the guest has touched (and not ballooned away).
    public var guestResidentBytes: UInt64?
    public var instructionsRetired: UInt64?
    public var balloonTargetBytes: UInt64?
    /// What the VM's interposer counted: kind (sbi, mmio, unmapped, disk, net,
    /// console) → detail → [events, bytes].
    public var events: [String: [String: [UInt64]]]?
    /// The interposition policy in force.
    public var policy: InterpositionPolicy?
    public var restarts: Int
    /// Seconds until a scheduled restart.
    public var restartInSeconds: Double?
    public var lastExit: ExitRecord?
    public var snapshots: [String]
}

/// What the supervisor keeps of a VM in its bundle (`hypervisor.json`) across its own restarts.
struct VMRecord: Codable {
    var state: VMState
    var restarts: Int
    var lastExit: ExitRecord?
}
