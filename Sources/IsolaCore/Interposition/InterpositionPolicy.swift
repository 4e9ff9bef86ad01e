/// What the interposer does with the events it sees (JSON, in the VM's configuration
/// as `"policy"` and replaceable through the API). Rules are tried in order; the first
/// that matches decides; an event no rule matches is allowed.
///
///     {"rules": [
///       {"event": "mmio", "detail": "virtio1", "action": "deny"},
///       {"event": "sbi", "detail": "srst", "action": "log"},
///       {"event": "disk", "detail": "write", "action": "limit", "bytesPerSecond": 1048576, "opsPerSecond": 200},
///       {"event": "net", "detail": "tx", "action": "limit", "bytesPerSecond": 125000, "opsPerSecond": 1000}]}
public struct InterpositionPolicy: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// Let it through, silently.
        case allow
        /// Refuse it: the guest sees SBI_ERR_DENIED, an access fault, an I/O error or a lost frame. Always audited.
        case deny
        /// Let it through and write it to the audit log.
        case log
        /// Let it through at no more than the rule's rates (disk and net only): the device waits for tokens.
        case limit
    }

    public struct Rule: Codable, Sendable, Equatable {
        public var event: InterpositionEventKind
        /// The event's detail to match: exact, or a prefix when it ends in `*`; absent matches all.
        public var detail: String?
        public var action: Action
        /// For `limit`: bytes a second (disk data, frame bytes).
        public var bytesPerSecond: Double?
        /// For `limit`: requests or frames a second.
        public var opsPerSecond: Double?
        /// For `limit`: how many seconds' worth of tokens may be saved up for a burst (default 1).
        public var burstSeconds: Double?
        /// For `allow` and `limit`: also write the event to the audit log.
        public var audit: Bool?

        public init(event: InterpositionEventKind, detail: String? = nil, action: Action, bytesPerSecond: Double? = nil,
                    opsPerSecond: Double? = nil, burstSeconds: Double? = nil, audit: Bool? = nil) {
            (self.event, self.detail, self.action) = (event, detail, action)
            (self.bytesPerSecond, self.opsPerSecond, self.burstSeconds, self.audit) = (bytesPerSecond, opsPerSecond, burstSeconds, audit)
        }

        func matches(_ e: InterpositionEvent) -> Bool {
            guard e.kind == event else { return false }
            guard let detail else { return true }
            return detail.hasSuffix("*") ? e.detail.hasPrefix(detail.dropLast()) : e.detail == detail
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// Checks what a decoder cannot; errors name the field as `policy.rules[i].field`.
    public func validate() throws(CoreError) {
        for (i, rule) in rules.enumerated() {
            let field = "policy.rules[\(i)]"
            if rule.action == .limit {
                guard rule.event == .disk || rule.event == .net else {
                    throw .invalidConfiguration(field: field + ".action", reason: "limit applies to disk and net events only")
                }
                guard rule.bytesPerSecond != nil || rule.opsPerSecond != nil else {
                    throw .invalidConfiguration(field: field, reason: "a limit needs bytesPerSecond or opsPerSecond")
                }
            } else if rule.bytesPerSecond != nil || rule.opsPerSecond != nil || rule.burstSeconds != nil {
                throw .invalidConfiguration(field: field + ".action", reason: "rates belong to a limit rule")
            }
            for (name, value) in [("bytesPerSecond", rule.bytesPerSecond), ("opsPerSecond", rule.opsPerSecond), ("burstSeconds", rule.burstSeconds)] {
                if let value, !(value > 0 && value.isFinite) {
                    throw .invalidConfiguration(field: "\(field).\(name)", reason: "\(value): expected a positive number")
                }
            }
        }
    }

    public static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("policy") { $0 + ($1.intValue.map { "[\($0)]" } ?? ".\($1.stringValue)") }
    }
}

/// Unknown fields in a rule or the policy are errors, not ignored.
extension InterpositionPolicy.Rule {
    private enum Keys: String, CodingKey, CaseIterable { case event, detail, action, bytesPerSecond, opsPerSecond, burstSeconds, audit }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: Keys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: Keys.self)
        event = try c.decode(InterpositionEventKind.self, forKey: .event)
        detail = try c.strictlyIfPresent(String.self, forKey: .detail)
        action = try c.decode(InterpositionPolicy.Action.self, forKey: .action)
        bytesPerSecond = try c.strictlyIfPresent(Double.self, forKey: .bytesPerSecond)
        opsPerSecond = try c.strictlyIfPresent(Double.self, forKey: .opsPerSecond)
        burstSeconds = try c.strictlyIfPresent(Double.self, forKey: .burstSeconds)
        audit = try c.strictlyIfPresent(Bool.self, forKey: .audit)
    }
}

extension InterpositionPolicy {
    private enum Keys: String, CodingKey { case rules }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: ["rules"])
        rules = try decoder.container(keyedBy: Keys.self).decode([Rule].self, forKey: .rules)
    }
}

extension KeyedDecodingContainer {
    /// Like `decodeIfPresent`, but a null is an error rather than an absent field: a
    /// rule's optional fields take a value or are left out.
    func strictlyIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            throw CoreError.invalidConfiguration(field: InterpositionPolicy.path(codingPath + [key]), reason: "null is not a value here; leave the field out instead")
        }
        return try decode(type, forKey: key)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func rejectUnknownKeys(_ decoder: any Decoder, known: [String]) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
        throw CoreError.invalidConfiguration(field: InterpositionPolicy.path(decoder.codingPath) + ".\(unknown)", reason: "unknown field")
    }
}
