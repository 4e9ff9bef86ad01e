import Atomics
import IsolaHost

/// One per VM: sees every event that leaves a virtual CPU (SBI calls, device
/// accesses, accesses to nowhere, disk requests, network frames, console output),
/// counts them for the metrics, and — when a policy is installed — allows, denies,
/// audits or rate-limits them. Without a policy an event costs two relaxed atomic
/// additions and a load.
public final class Interposer: @unchecked Sendable {
    // Sendable: counters are atomics made once; `policy` and `buckets` are guarded by `lock`.
    final class Counter: Sendable {
        let events = ManagedAtomic<UInt64>(0)
        let bytes = ManagedAtomic<UInt64>(0)
    }

    /// Counters by kind and detail, made up front from the vocabulary so the hot path
    /// reads an immutable dictionary; an unexpected detail counts as "other".
    private let counters: [InterpositionEventKind: [String: Counter]]
    private let active = ManagedAtomic<Bool>(false)
    private let lock = HostMutex()
    private var policy: InterpositionPolicy?
    private var buckets: [Int: (bytes: TokenBucket?, ops: TokenBucket?)] = [:]
    private let audit: AuditLog?
    /// Accesses to nowhere are always audited, but at most this often.
    private let unmappedAudit = TokenBucket(rate: 10, capacity: 20)

    public static let vocabulary: [InterpositionEventKind: [String]] = [
        .sbi: ["base", "time", "ipi", "rfence", "hsm", "srst", "dbcn", "legacy"],
        .unmapped: ["access"], .disk: ["read", "write", "flush", "discard"], .net: ["tx", "rx"], .console: ["uart", "hvc"],
        .share: ["initialize", "destroy", "lookup", "getattr", "setattr", "readlink", "symlink", "mknod", "mkdir", "unlink",
                 "rmdir", "rename", "rename2", "link", "open", "read", "write", "statfs", "release", "fsync", "flush",
                 "opendir", "readdir", "releasedir", "fsyncdir", "create", "lseek", "fallocate", "syncfs"],
    ]

    /// `devices` names the MMIO devices (the `mmio` details); `auditPath` is the JSON-lines audit log.
    public init(devices: [String], auditPath: String?) {
        var counters: [InterpositionEventKind: [String: Counter]] = [:]
        for kind in InterpositionEventKind.allCases {
            let details = (kind == .mmio ? devices : Interposer.vocabulary[kind] ?? []) + ["other"]
            counters[kind] = Dictionary(details.map { ($0, Counter()) }, uniquingKeysWith: { a, _ in a })
        }
        self.counters = counters
        audit = auditPath.flatMap { try? AuditLog(path: $0) }
    }

    /// Installs a policy (nil removes it); its rate limits start with full buckets.
    public func install(_ policy: InterpositionPolicy?) {
        lock.withLock {
            self.policy = policy
            buckets = [:]
            for (i, rule) in (policy?.rules ?? []).enumerated() where rule.action == .limit {
                let burst = rule.burstSeconds ?? 1
                buckets[i] = (rule.bytesPerSecond.map { TokenBucket(rate: $0, capacity: $0 * burst) },
                              rule.opsPerSecond.map { TokenBucket(rate: $0, capacity: $0 * burst) })
            }
            active.store(!(policy?.rules.isEmpty ?? true), ordering: .releasing)
        }
    }

    /// Counts `event` and decides on it. A `limit` makes the caller wait here (on the
    /// device's own thread) until the rule's buckets allow it.
    @inline(__always)
    public func check(_ event: InterpositionEvent) -> InterpositionVerdict {
        let kind = counters[event.kind]
        let counter = kind?[event.detail] ?? kind?["other"]
        counter?.events.wrappingIncrement(ordering: .relaxed)
        if event.bytes != 0 { counter?.bytes.wrappingIncrement(by: event.bytes, ordering: .relaxed) }
        if event.kind == .unmapped, unmappedAudit.take(1) == 0 { audit?.record(event, action: "fault", rule: nil) }
        guard active.load(ordering: .relaxed) else { return .allow }
        return decide(event)
    }

    private func decide(_ event: InterpositionEvent) -> InterpositionVerdict {
        let found = lock.withLock { () -> (Int, InterpositionPolicy.Rule, (bytes: TokenBucket?, ops: TokenBucket?)?)? in
            guard let policy, let i = policy.rules.firstIndex(where: { $0.matches(event) }) else { return nil }
            return (i, policy.rules[i], buckets[i])
        }
        guard let (index, rule, bucket) = found else { return .allow }
        switch rule.action {
        case .allow:
            if rule.audit == true { audit?.record(event, action: "allow", rule: index) }
            return .allow
        case .deny:
            audit?.record(event, action: "deny", rule: index)
            return .deny
        case .log:
            audit?.record(event, action: "allow", rule: index)
            return .allow
        case .limit:
            let now = HostClock.monotonicNanoseconds()
            let wait = max(bucket?.bytes?.take(Double(event.bytes), now: now) ?? 0, bucket?.ops?.take(1, now: now) ?? 0)
            if wait > 0 { HostClock.sleep(nanoseconds: wait) }
            if rule.audit == true { audit?.record(event, action: "limit", rule: index) }
            return .allow
        }
    }

    /// Every counter: kind → detail → (events, bytes); details never seen are left out.
    public func counts() -> [String: [String: [UInt64]]] {
        var result: [String: [String: [UInt64]]] = [:]
        for (kind, details) in counters {
            for (detail, counter) in details {
                let events = counter.events.load(ordering: .relaxed)
                guard events > 0 else { continue }
                result[kind.rawValue, default: [:]][detail] = [events, counter.bytes.load(ordering: .relaxed)]
            }
        }
        return result
    }
}
