import IsolaHost

/// `/tmp/perf-PID.map`: one line per translated unit (`START SIZE NAME`, hex),
/// which `perf report` reads to name samples in generated code by guest address.
/// One file per process, shared by every hart's translator.
final class PerfMap: @unchecked Sendable {
    // Sendable: `lock` serializes every write.
    static let shared = PerfMap()
    private let lock = HostMutex()
    private var output: HostOutput?
    private var opened = false

    var path: String { "/tmp/perf-\(HostEnvironment.processID).map" }

    func record(address: UInt64, size: Int, guestPC: UInt64, physicalPC: UInt64) {
        record(address: address, size: size, name: "riscv:0x\(String(guestPC, radix: 16)) (pa 0x\(String(physicalPC, radix: 16)))")
    }

    /// Names host code that is not a unit (the backend's runtime stubs).
    func record(address: UInt64, size: Int, name: String) {
        guard size > 0 else { return }
        let line = "\(String(address, radix: 16)) \(String(size, radix: 16)) \(name)\n"
        lock.withLock {
            if !opened {
                opened = true
                output = try? HostOutput.appending(path)
            }
            output?.write(line)
        }
    }
}
