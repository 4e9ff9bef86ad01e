#if canImport(Glibc)
import Glibc
#endif
import CIsolaHost

/// Where and how eagerly the host runs a process's threads: the means of physical
/// partitions (affinity) and of weights between time-shared VMs (nice levels).
public enum HostScheduling {
    /// The host CPUs this process may run on.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let n = isola_get_affinity(0, &cpus, Int32(cpus.count))
        return n > 0 ? cpus[0..<Int(n)].map(Int.init) : [0]
    }

    /// The CPUs thread `tid` (0: the caller) may run on.
    public static func affinity(of tid: Int32) throws -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let n = isola_get_affinity(tid, &cpus, Int32(cpus.count))
        guard n >= 0 else { throw HostError.io(operation: "sched_getaffinity", path: "thread \(tid)", errno: -n) }
        return cpus[0..<Int(n)].map(Int.init)
    }

    /// Restricts thread `tid` (0: the caller; threads it starts later inherit it) to `cpus`.
    public static func setAffinity(of tid: Int32, to cpus: [Int]) throws {
        try setAffinity(of: tid, to: cpus.map { Int32($0) }, skippingEnded: false)
    }

    /// `skippingEnded`: a thread that no longer exists (ESRCH) is not an error.
    private static func setAffinity(of tid: Int32, to list: [Int32], skippingEnded: Bool) throws {
        let rc = isola_set_affinity(tid, list, Int32(list.count))
        guard rc == 0 || (skippingEnded && rc == -ESRCH) else {
            throw HostError.io(operation: "sched_setaffinity", path: "thread \(tid)", errno: -rc)
        }
    }

    /// Restricts every thread of process `pid` to `cpus`.
    /// A thread that ends between the listing and the call is skipped (ESRCH): a
    /// short-lived one (a flush, a connection) often does.
    public static func setAffinity(ofProcess pid: Int32, to cpus: [Int]) throws {
        let list = cpus.map { Int32($0) }
        for tid in threads(of: pid) { try setAffinity(of: tid, to: list, skippingEnded: true) }
    }

    /// Sets the nice level (-20 ... 19) of every thread of process `pid`; a thread
    /// that ends meanwhile is skipped (ESRCH), as in `setAffinity(ofProcess:to:)`.
    public static func setNice(ofProcess pid: Int32, to nice: Int) throws {
        for tid in threads(of: pid) {
            guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), Int32(nice)) == 0 || errno == ESRCH else {
                throw HostError.io(operation: "setpriority", path: "thread \(tid)", errno: errno)
            }
        }
    }

    /// The thread ids of process `pid` (`/proc/PID/task`).
    public static func threads(of pid: Int32) -> [Int32] {
        HostDirectory.entries("/proc/\(pid)/task").compactMap { Int32($0) }
    }

    /// CPU time used so far by every thread of this process.
    @inline(__always)
    public static func processCPUNanoseconds() -> UInt64 { isola_process_cpu_ns() }
}
