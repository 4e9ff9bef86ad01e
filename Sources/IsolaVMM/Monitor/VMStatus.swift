import FoundationEssentials
import IsolaHost

/// What a running VM reports of itself to the hypervisor (the monitor's `info json`):
/// one JSON line, so a supervisor reads it without parsing prose.
public struct VMStatus: Codable, Sendable, Equatable {
    public var paused: Bool
    public var harts: Int
    /// Harts the guest has started (SBI HSM), of `harts`.
    public var hartsOnline: Int
    public var instructionsRetired: UInt64
    public var memoryBytes: UInt64
    /// Guest RAM in host memory (touched, not ballooned away).
    public var memoryResidentBytes: UInt64
    public var balloonTargetBytes: UInt64
    public var balloonActualBytes: UInt64
    public var cpuWeight: Int
    public var cpuCap: Int?
    public var throttledPeriods: UInt64
    /// The host CPUs this VM's threads may run on.
    public var hostCPUs: [Int]
    /// What the interposer counted: kind → detail → [events, bytes].
    public var events: [String: [String: [UInt64]]]

    public func encodedLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    public static func decode(_ line: String) -> VMStatus? {
        try? JSONDecoder().decode(VMStatus.self, from: Data(line.utf8))
    }
}
