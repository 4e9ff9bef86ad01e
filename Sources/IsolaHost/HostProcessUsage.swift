#if canImport(Glibc)
import Glibc
#endif

/// What a process costs the host, read from `/proc`: how the hypervisor sees a
/// worker's CPU time and memory without asking it.
public struct HostProcessUsage: Sendable, Equatable {
    /// User plus system CPU time of every thread.
    public var cpuNanoseconds: UInt64
    /// Resident memory, shared pages (the executable, libraries) included.
    public var residentBytes: UInt64
    /// Resident memory no other process shares: what this process alone costs.
    public var privateBytes: UInt64

    /// Reads the usage of process `pid`; nil once it is gone.
    public static func read(pid: Int32) -> HostProcessUsage? {
        guard let stat = text("/proc/\(pid)/stat"), let statm = text("/proc/\(pid)/statm") else { return nil }
        // Fields after the parenthesized command name (which may hold spaces): utime is
        // field 14 of the line, stime 15 — the 12th and 13th after ") ".
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = UInt64(fields[11]), let stime = UInt64(fields[12]) else { return nil }
        let ticks = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let pages = statm.split(separator: " ")
        guard pages.count > 1, let resident = UInt64(pages[1]) else { return nil }
        var usage = HostProcessUsage(cpuNanoseconds: (utime + stime) * (1_000_000_000 / ticks),
                                     residentBytes: resident * pageSize, privateBytes: 0)
        if let rollup = text("/proc/\(pid)/smaps_rollup") {
            for line in rollup.split(separator: "\n") where line.hasPrefix("Private_") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count >= 2, let kib = UInt64(parts[1]) { usage.privateBytes += kib * 1024 }
            }
        }
        return usage
    }

    private static func text(_ path: String) -> String? {
        (try? HostFile.readAll(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}
