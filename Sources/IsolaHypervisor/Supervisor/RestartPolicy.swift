/// What the supervisor does when a VM ends without being asked to.
public enum RestartPolicy: String, Codable, Sendable, CaseIterable {
    case never
    /// Restart after a crash (the worker died, the guest crashed or panicked).
    case onFailure = "on-failure"
    /// Restart after any end the API did not ask for, a clean power-off included.
    case always

    /// Whether a VM that ended this way starts again.
    public func restarts(afterCrash crashed: Bool) -> Bool {
        switch self {
        case .never: return false
        case .onFailure: return crashed
        case .always: return true
        }
    }

    /// The wait before restart number `attempt` (1, 2, …) of a VM that keeps failing:
    /// 0.5 s doubling up to 30 s, so a guest that dies at boot does not spin the host.
    public static func backoffNanoseconds(attempt: Int) -> UInt64 {
        let exponent = min(max(attempt - 1, 0), 6)
        return min(500_000_000 << UInt64(exponent), 30_000_000_000)
    }

    /// A run this long counts as healthy: the next failure starts the backoff again.
    public static let healthyRunNanoseconds: UInt64 = 10_000_000_000
}
