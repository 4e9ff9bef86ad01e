import IsolaDevices

/// vCPU hotplug: the number of harts a running guest may have online.
extension VirtualMachine {
    /// Lets harts 0 to `count - 1` run and asks the guest to take the others offline:
    /// a harts above the limit that the guest tries to start is refused (SBI HSM
    /// `hart_start` answers SBI_ERR_DENIED), and the request `vcpus N` goes to the
    /// guest's agent on the virtio console (Isola's image runs one; the kernel then
    /// stops or starts the harts through SBI HSM). A guest without an agent keeps the
    /// harts it has online until it offlines them itself. False without a virtio console.
    @discardableResult
    public func setOnlineVCPUs(_ count: Int) -> Bool {
        machine.context.startableHarts.store(max(1, count), ordering: .releasing)
        guard let console = machine.virtioTransports.lazy.compactMap({ $0.device as? VirtioConsole }).first else { return false }
        console.receive(Array("vcpus \(count)\n".utf8))
        return true
    }
}
