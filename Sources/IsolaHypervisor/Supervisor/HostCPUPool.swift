/// The host CPUs the hypervisor may use, split into physical partitions (CPUs given
/// to one VM alone) and the shared pool that every other VM time-shares. Admission
/// control keeps partitions disjoint and leaves the shared pool at least one CPU.
public struct HostCPUPool: Sendable, Equatable {
    /// Every CPU the hypervisor may run VMs on (its own affinity when it started).
    public let cpus: [Int]
    /// The CPUs each VM with a live worker owns, by VM name.
    public private(set) var dedicated: [String: [Int]] = [:]

    public init(cpus: [Int]) {
        self.cpus = cpus.sorted()
    }

    /// The CPUs no VM owns: where VMs without a partition run.
    public var shared: [Int] {
        let owned = Set(dedicated.values.joined())
        return cpus.filter { !owned.contains($0) }
    }

    /// Why `vm` may not own `wanted`, or nil if it may.
    public func refusal(of wanted: [Int], for vm: String) -> String? {
        if let foreign = wanted.first(where: { !cpus.contains($0) }) {
            return "host CPU \(foreign) is not one of the hypervisor's (\(list(cpus)))"
        }
        for (owner, owned) in dedicated.sorted(by: { $0.key < $1.key }) where owner != vm {
            if let taken = wanted.first(where: owned.contains) {
                return "host CPU \(taken) is dedicated to VM '\(owner)'"
            }
        }
        let left = shared.filter { !wanted.contains($0) }
        if left.isEmpty {
            return "dedicating \(list(wanted)) would leave no host CPU for the VMs that share (\(cpus.count) CPUs in all)"
        }
        return nil
    }

    /// Gives `cpus` to `vm`; the caller has checked `refusal`.
    public mutating func assign(_ cpus: [Int], to vm: String) {
        dedicated[vm] = cpus.isEmpty ? nil : cpus.sorted()
    }

    public mutating func release(_ vm: String) {
        dedicated[vm] = nil
    }

    private func list(_ cpus: [Int]) -> String { cpus.map(String.init).joined(separator: ",") }
}
