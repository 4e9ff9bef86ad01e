import IsolaCore

/// How much host CPU a VM gets: a physical partition (dedicated host CPUs that no
/// other VM may use) or a logical one (a weight relative to the other time-shared
/// VMs, and an optional cap).
public struct CPUShare: Sendable, Equatable, Codable {
    /// Host CPUs given to this VM alone; empty: it time-shares the CPUs no VM owns.
    public var dedicated: [Int]
    /// Relative share when VMs compete for CPU, 1 ... 10000 (cgroup v2's `cpu.weight` scale).
    public var weight: Int
    /// The most host CPU the VM may use, in percent of one CPU (50: half a CPU;
    /// 200: two CPUs); nil: no cap.
    public var cap: Int?

    public static let defaultWeight = 100
    public static let weights = 1...10_000

    public init(dedicated: [Int] = [], weight: Int = CPUShare.defaultWeight, cap: Int? = nil) {
        self.dedicated = dedicated
        self.weight = weight
        self.cap = cap
    }

    private enum CodingKeys: String, CodingKey { case dedicated, weight, cap }

    /// Every field may be left out of a configuration: it then takes its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dedicated = try container.decodeIfPresent([Int].self, forKey: .dedicated) ?? []
        weight = try container.decodeIfPresent(Int.self, forKey: .weight) ?? CPUShare.defaultWeight
        cap = try container.decodeIfPresent(Int.self, forKey: .cap)
    }

    /// Refuses values no scheduler could honour, naming the field under `field`.
    public func validate(field: String = "cpu") throws(CoreError) {
        guard CPUShare.weights.contains(weight) else {
            throw .invalidConfiguration(field: "\(field).weight", reason: "\(weight): expected 1 to 10000")
        }
        if let cap, cap < 1 || cap > 100 * 1024 {
            throw .invalidConfiguration(field: "\(field).cap", reason: "\(cap): expected a percentage of one CPU, 1 or more")
        }
        if let cpu = dedicated.first(where: { $0 < 0 || $0 >= 1024 }) {
            throw .invalidConfiguration(field: "\(field).dedicated", reason: "\(cpu) is not a host CPU number")
        }
        if Set(dedicated).count != dedicated.count {
            throw .invalidConfiguration(field: "\(field).dedicated", reason: "a CPU is named twice")
        }
    }

    /// The host nice level whose CFS weight stands to the default's as `weight` to 100:
    /// each nice step is a factor of 1.25 in CFS's weight table.
    public var niceLevel: Int {
        var nice = 0
        var ratio = Double(CPUShare.defaultWeight) / Double(weight)
        while ratio >= 1.118 && nice < 19 { ratio /= 1.25; nice += 1 }      // 1.118 = √1.25: round to nearest
        while ratio <= 1 / 1.118 && nice > -20 { ratio *= 1.25; nice -= 1 }
        return nice
    }
}
