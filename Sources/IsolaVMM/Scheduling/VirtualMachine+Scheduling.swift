import IsolaHost

/// The VM's share of the host, changed while it runs: the worker applies it to its
/// own threads, so one VM's settings never touch another's.
extension VirtualMachine {
    /// Sets the weight (as the nice level of every thread of this process: the host's
    /// CFS then shares contended CPUs in that proportion) and the cap (enforced by
    /// `bandwidth`). Threads started later inherit the nice level of their creator.
    public func apply(_ share: CPUShare) throws {
        try share.validate()
        try HostScheduling.setNice(ofProcess: HostProcess.currentID, to: share.niceLevel)
        try bandwidth.setCap(share.cap)
    }

    /// Restricts every thread of this process (the harts and the device threads) to
    /// `cpus`: the VM's physical partition, or the CPUs no partition owns.
    public func pin(to cpus: [Int]) throws {
        try HostScheduling.setAffinity(ofProcess: HostProcess.currentID, to: cpus)
    }
}
