import Hummingbird
import Prometheus

/// The hypervisor (issue 7): many VMs in worker processes, partitions, the
/// scheduler and the control API, built on `IsolaVMM`.
public enum Hypervisor {}
