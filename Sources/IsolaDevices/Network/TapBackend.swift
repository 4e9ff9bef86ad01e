import Atomics
import IsolaHost

/// A network backend on a host TAP interface (`--net tap:IFNAME`), for real connectivity.
public final class TapBackend: NetworkBackend, @unchecked Sendable {
    // Sendable: the TAP device is thread-safe; `stopping` is atomic.
    private let tap: TapDevice
    private let stopping = ManagedAtomic<Bool>(false)
    private var thread: HostThread?

    public init(interface: String) throws {
        tap = try TapDevice(name: interface)
    }

    public func send(_ frame: [UInt8]) {
        tap.write(frame)
    }

    public func start(_ handler: @escaping @Sendable ([UInt8]) -> Void) throws {
        let tap = self.tap, stopping = self.stopping
        thread = try HostThread.start(name: "tap-\(tap.name)") {
            while !stopping.load(ordering: .acquiring) {
                if let frame = tap.read(timeoutMilliseconds: 100) { handler(frame) }
            }
        }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }
}
