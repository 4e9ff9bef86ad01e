import IsolaCore

/// A change to a VM (`PATCH /vms/{name}`): only the fields given change.
public struct VMUpdate: Sendable, Equatable {
    public var weight: Int?
    /// `.some(nil)` removes the cap.
    public var cap: Int??
    public var dedicated: [Int]?
    public var restart: RestartPolicy?
    /// Guest RAM to take back through the balloon (0 deflates it).
    public var balloonTargetBytes: UInt64?
    /// vCPUs to have online (hotplug), 1 to the VM's vCPU count.
    public var vcpus: Int?
    /// A new interposition policy; `.some(nil)` removes it.
    public var policy: InterpositionPolicy??

    public init(weight: Int? = nil, cap: Int?? = nil, dedicated: [Int]? = nil, restart: RestartPolicy? = nil,
                balloonTargetBytes: UInt64? = nil, vcpus: Int? = nil) {
        self.weight = weight
        self.cap = cap
        self.dedicated = dedicated
        self.restart = restart
        self.balloonTargetBytes = balloonTargetBytes
        self.vcpus = vcpus
    }
}
