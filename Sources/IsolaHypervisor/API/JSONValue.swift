import FoundationEssentials
import IsolaCore
import IsolaVMM

/// Any JSON value: the control API's request types decode a body into this first,
/// so they can name an unknown field and tell a missing field from a null one
/// before they build their own types.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}

/// The fields of one JSON object, read with errors that name the field (`prefix.key`),
/// and a check that no field was left unread (an unknown field is an error, not ignored).
struct JSONFields {
    private let fields: [String: JSONValue]
    private let prefix: String
    private var read: Set<String> = []

    init(_ value: JSONValue, field: String = "") throws(HypervisorError) {
        guard case let .object(fields) = value else {
            throw .badRequest(field: field.isEmpty ? "body" : field, reason: "expected a JSON object")
        }
        self.fields = fields
        self.prefix = field.isEmpty ? "" : field + "."
    }

    func name(_ key: String) -> String { prefix + key }

    /// Whether `key` is present (null included).
    func has(_ key: String) -> Bool { fields[key] != nil }

    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        return fields[key]
    }

    /// The value of `key`, nil when it is absent. A null is refused unless the field is
    /// `nullable` (there null means "remove", as for a PATCH's `cap`), so a body the
    /// document calls invalid is never quietly read as if the field were missing.
    private mutating func present(_ key: String, nullable: Bool) throws(HypervisorError) -> JSONValue? {
        switch value(key) {
        case nil: return nil
        case .null?:
            if nullable { return nil }
            throw .badRequest(field: name(key), reason: "null is not a value here; leave the field out instead")
        case let v?: return v
        }
    }

    mutating func string(_ key: String, nullable: Bool = false) throws(HypervisorError) -> String? {
        switch try present(key, nullable: nullable) {
        case nil: return nil
        case let .string(s)?: return s
        default: throw .badRequest(field: name(key), reason: "expected a string")
        }
    }

    mutating func integer(_ key: String, nullable: Bool = false) throws(HypervisorError) -> Int? {
        switch try present(key, nullable: nullable) {
        case nil: return nil
        case let .number(n)? where n.rounded() == n && abs(n) < 9e15: return Int(n)
        default: throw .badRequest(field: name(key), reason: "expected an integer")
        }
    }

    mutating func number(_ key: String, nullable: Bool = false) throws(HypervisorError) -> Double? {
        switch try present(key, nullable: nullable) {
        case nil: return nil
        case let .number(n)?: return n
        default: throw .badRequest(field: name(key), reason: "expected a number")
        }
    }

    mutating func bool(_ key: String, nullable: Bool = false) throws(HypervisorError) -> Bool? {
        switch try present(key, nullable: nullable) {
        case nil: return nil
        case let .bool(b)?: return b
        default: throw .badRequest(field: name(key), reason: "expected true or false")
        }
    }

    mutating func integers(_ key: String, nullable: Bool = false) throws(HypervisorError) -> [Int]? {
        switch try present(key, nullable: nullable) {
        case nil: return nil
        case let .array(items)?:
            var result: [Int] = []
            for (i, item) in items.enumerated() {
                guard case let .number(n) = item, n.rounded() == n, abs(n) < 9e15 else {
                    throw .badRequest(field: "\(name(key))[\(i)]", reason: "expected an integer")
                }
                result.append(Int(n))
            }
            return result
        default: throw .badRequest(field: name(key), reason: "expected an array of integers")
        }
    }

    /// An interposition policy, checked field by field (`policy.rules[0].action`).
    mutating func policy(_ key: String, nullable: Bool = false) throws(HypervisorError) -> InterpositionPolicy? {
        guard let value = try present(key, nullable: nullable) else { return nil }
        do {
            let bytes = try JSONEncoder().encode(value)
            return try InterpositionPolicy.decode(Array(bytes))
        } catch let CoreError.invalidConfiguration(field, reason) {
            throw .badRequest(field: field, reason: reason)
        } catch {
            throw .badRequest(field: name(key), reason: "\(error)")
        }
    }

    /// Refuses any field that was not read.
    func finish() throws(HypervisorError) {
        if let unknown = fields.keys.sorted().first(where: { !read.contains($0) }) {
            throw .badRequest(field: name(unknown), reason: "unknown field")
        }
    }
}
