import FoundationEssentials
import IsolaHost

/// The monitor's rules for a program's system calls (`isola exec --policy FILE`):
/// each matches a call by name and, optionally, a path prefix, and allows it,
/// denies it with an errno, or lets it run and logs it. The first rule that
/// matches decides; a call no rule matches is allowed.
///
/// ```json
/// { "rules": [
///     { "syscall": "openat", "path": "/etc/secrets", "action": "deny", "errno": "EACCES" },
///     { "syscall": "unlinkat", "action": "log" } ] }
/// ```
public struct SystemCallPolicy: Sendable {
    public enum Action: Equatable, Sendable {
        case allow
        case deny(errno: Int)
        case log
    }

    public struct Rule: Equatable, Sendable {
        public let systemCall: String
        /// An absolute path: the rule matches the path itself and everything under it.
        public let pathPrefix: [UInt8]?
        public let action: Action
    }

    public let rules: [Rule]
    /// Whether any rule looks at paths (otherwise calls are matched by name alone).
    let needsPaths: Bool

    /// The first matching rule's action, or allow.
    func decide(_ name: String, path: [UInt8]?) -> Action {
        for rule in rules where rule.systemCall == name || rule.systemCall == "*" {
            if let prefix = rule.pathPrefix {
                guard let path, SystemCallPolicy.path(path, isUnder: prefix) else { continue }
            }
            return rule.action
        }
        return .allow
    }

    static func path(_ path: [UInt8], isUnder prefix: [UInt8]) -> Bool {
        guard path.starts(with: prefix) else { return false }
        return path.count == prefix.count || prefix == [UInt8(ascii: "/")] || path[prefix.count] == UInt8(ascii: "/")
    }

    /// Removes `.`, `..` and repeated slashes, as a lookup would (without following links).
    static func normalize(_ path: [UInt8]) -> [UInt8] {
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: UInt8(ascii: "/")) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return parts.isEmpty ? [UInt8(ascii: "/")] : parts.flatMap { [UInt8(ascii: "/")] + $0 }
    }

    public init(rules: [Rule]) {
        self.rules = rules
        needsPaths = rules.contains { $0.pathPrefix != nil }
    }

    /// Reads a policy file; the error names the file, the rule and the field at fault.
    public init(file: String) throws(PolicyError) {
        let bytes: [UInt8]
        do { bytes = try HostFile.readAll(file) } catch { throw PolicyError(file: file, message: "\(error)") }
        try self.init(json: bytes, file: file)
    }

    init(json: [UInt8], file: String) throws(PolicyError) {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(json))
        } catch {
            throw PolicyError(file: file, message: "not a JSON object with a \"rules\" list of objects whose values are strings or numbers")
        }
        var rules: [Rule] = []
        for (index, fields) in document.rules.enumerated() {
            func fail(_ message: String) -> PolicyError { PolicyError(file: file, message: "rule \(index + 1): \(message)") }
            if let unknown = fields.keys.sorted().first(where: { !["syscall", "path", "action", "errno"].contains($0) }) {
                throw fail("unknown field \"\(unknown)\" (expected syscall, path, action, errno)")
            }
            guard case let .text(name)? = fields["syscall"] else { throw fail("\"syscall\" must name a system call") }
            guard name == "*" || SystemCallTable.number(named: name) != nil else { throw fail("unknown system call \"\(name)\"") }
            var prefix: [UInt8]?
            if let path = fields["path"] {
                guard case let .text(p) = path, p.hasPrefix("/") else { throw fail("\"path\" must be an absolute path") }
                prefix = SystemCallPolicy.normalize(Array(p.utf8))
            }
            var errno = HostSystemCall.EPERM
            switch fields["errno"] {
            case nil: break
            case let .number(n)? where (1...4095).contains(n): errno = n
            case let .text(e)? where HostSystemCall.errnoNames[e] != nil: errno = HostSystemCall.errnoNames[e] ?? errno
            default: throw fail("\"errno\" must be an errno name such as \"EACCES\" or a number from 1 to 4095")
            }
            let action: Action
            switch fields["action"] {
            case .text("allow")?: action = .allow
            case .text("deny")?: action = .deny(errno: errno)
            case .text("log")?: action = .log
            default: throw fail("\"action\" must be \"allow\", \"deny\" or \"log\"")
            }
            if fields["errno"] != nil && action != .deny(errno: errno) { throw fail("\"errno\" goes only with \"action\": \"deny\"") }
            rules.append(Rule(systemCall: name, pathPrefix: prefix, action: action))
        }
        self.init(rules: rules)
    }

    private struct Document: Decodable {
        let rules: [[String: Field]]
    }

    private enum Field: Decodable, Equatable {
        case text(String)
        case number(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let n = try? container.decode(Int.self) { self = .number(n) } else { self = .text(try container.decode(String.self)) }
        }
    }
}

/// A policy file that cannot be used, and why.
public struct PolicyError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public var description: String { "policy \(file): \(message)" }
}
