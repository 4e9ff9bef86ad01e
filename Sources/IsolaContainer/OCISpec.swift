import FoundationEssentials
import IsolaCore

/// The parts of an OCI runtime bundle's `config.json` (runtime-spec 1.x) a container
/// VM uses. Fields it does not use are accepted and ignored, as the specification
/// asks of a runtime; fields it uses are checked, each error naming the field.
public struct OCISpec: Codable, Equatable, Sendable {
    public var ociVersion: String
    public var root: Root?
    public var process: Process?
    public var hostname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?

    public struct Root: Codable, Equatable, Sendable {
        public var path: String
        public var readonly: Bool?
    }

    public struct Process: Codable, Equatable, Sendable {
        public var terminal: Bool?
        public var consoleSize: ConsoleSize?
        public var user: User?
        public var args: [String]?
        public var env: [String]?
        public var cwd: String
        public var rlimits: [Rlimit]?

        public init(terminal: Bool? = nil, consoleSize: ConsoleSize? = nil, user: User? = nil, args: [String]?,
                    env: [String]? = nil, cwd: String = "/", rlimits: [Rlimit]? = nil) {
            self.terminal = terminal
            self.consoleSize = consoleSize
            self.user = user
            self.args = args
            self.env = env
            self.cwd = cwd
            self.rlimits = rlimits
        }

        public struct ConsoleSize: Codable, Equatable, Sendable {
            public var height: UInt16, width: UInt16
            public init(height: UInt16, width: UInt16) { (self.height, self.width) = (height, width) }
        }
        public struct User: Codable, Equatable, Sendable {
            public var uid: UInt32
            public var gid: UInt32
            public var additionalGids: [UInt32]?
            public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32]? = nil) {
                (self.uid, self.gid, self.additionalGids) = (uid, gid, additionalGids)
            }
        }
        public struct Rlimit: Codable, Equatable, Sendable {
            public var type: String
            public var soft: UInt64
            public var hard: UInt64
            public init(type: String, soft: UInt64, hard: UInt64) { (self.type, self.soft, self.hard) = (type, soft, hard) }
        }
    }

    public struct Mount: Codable, Equatable, Sendable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?
    }

    public struct Hook: Codable, Equatable, Sendable {
        public var path: String
        public var args: [String]?
        public var env: [String]?
        public var timeout: Int?
    }

    public struct Hooks: Codable, Equatable, Sendable {
        public var prestart: [Hook]?
        public var createRuntime: [Hook]?
        public var createContainer: [Hook]?
        public var startContainer: [Hook]?
        public var poststart: [Hook]?
        public var poststop: [Hook]?
    }

    public struct Linux: Codable, Equatable, Sendable {
        public var resources: Resources?
        public var namespaces: [Namespace]?

        public struct Namespace: Codable, Equatable, Sendable {
            public var type: String
            public var path: String?
        }
        public struct Resources: Codable, Equatable, Sendable {
            public var memory: Memory?
            public var cpu: CPU?
            public struct Memory: Codable, Equatable, Sendable { public var limit: Int64? }
            public struct CPU: Codable, Equatable, Sendable {
                public var shares: UInt64?
                public var quota: Int64?
                public var period: UInt64?
                public var cpus: String?
            }
        }
    }

    /// The rlimit names Linux has (`RLIMIT_*`), which the guest init applies.
    public static let rlimitTypes: Set<String> = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ]

    /// Reads and checks a bundle's configuration; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(ContainerError) -> OCISpec {
        let spec: OCISpec
        do {
            spec = try JSONDecoder().decode(OCISpec.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidSpec(field: fieldName(context.codingPath + [key]), reason: "missing in \(source)")
        } catch let DecodingError.typeMismatch(type, context) {
            throw .invalidSpec(field: fieldName(context.codingPath), reason: "in \(source) must be \(describe(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw .invalidSpec(field: fieldName(context.codingPath), reason: "in \(source) must be \(describe(type)), not null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw .invalidSpec(field: fieldName(context.codingPath), reason: "in \(source): \(context.debugDescription)")
        } catch {
            throw .invalidSpec(field: "config.json", reason: "\(source) is not a JSON object")
        }
        try spec.check(source: source)
        return spec
    }

    /// What a JSON decoder cannot check: the values a container VM depends on.
    public func check(source: String) throws(ContainerError) {
        guard ociVersion.hasPrefix("1.") else {
            throw .invalidSpec(field: "ociVersion", reason: "'\(ociVersion)' in \(source): this runtime implements runtime-spec 1.x")
        }
        guard let root, !root.path.isEmpty else { throw .invalidSpec(field: "root.path", reason: "missing in \(source)") }
        guard let process else { throw .invalidSpec(field: "process", reason: "missing in \(source): a container needs a process to run") }
        try process.check(source: source)
        if let hostname, hostname.utf8.count > 64 || hostname.utf8.contains(0) {
            throw .invalidSpec(field: "hostname", reason: "in \(source): at most 64 bytes, without NUL")
        }
        for (kind, hooks) in hookLists {
            for (i, hook) in hooks.enumerated() where !hook.path.hasPrefix("/") {
                throw .invalidSpec(field: "hooks.\(kind)[\(i)].path", reason: "'\(hook.path)' in \(source) must be absolute")
            }
            for (i, hook) in hooks.enumerated() where (hook.timeout ?? 1) <= 0 {
                throw .invalidSpec(field: "hooks.\(kind)[\(i)].timeout", reason: "in \(source) must be positive")
            }
        }
        if let limit = linux?.resources?.memory?.limit, limit > 0, limit < 32 << 20 {
            throw .invalidSpec(field: "linux.resources.memory.limit", reason: "\(limit) bytes in \(source): a container VM needs at least 32 MiB")
        }
        for (i, namespace) in (linux?.namespaces ?? []).enumerated() where namespace.path?.isEmpty == true {
            throw .invalidSpec(field: "linux.namespaces[\(i)].path", reason: "empty in \(source)")
        }
    }

    /// The hook lists in the order the specification runs them.
    public var hookLists: [(String, [Hook])] {
        [("prestart", hooks?.prestart ?? []), ("createRuntime", hooks?.createRuntime ?? []),
         ("createContainer", hooks?.createContainer ?? []), ("startContainer", hooks?.startContainer ?? []),
         ("poststart", hooks?.poststart ?? []), ("poststop", hooks?.poststop ?? [])]
    }

    /// The network namespace the container joins, when the spec names one by path.
    public var networkNamespacePath: String? {
        linux?.namespaces?.first { $0.type == "network" }?.path
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "config.json" }
        let joined = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return joined.hasPrefix(".") ? String(joined.dropFirst()) : joined
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [String].Type: return "an array of strings"
        case is Int.Type, is Int64.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type: return "a non-negative integer"
        default: return "a \(type)"
        }
    }
}

extension OCISpec.Process {
    func check(source: String) throws(ContainerError) {
        guard let args, !args.isEmpty, !args[0].isEmpty else {
            throw .invalidSpec(field: "process.args", reason: "missing or empty in \(source): nothing to run")
        }
        guard cwd.hasPrefix("/") else { throw .invalidSpec(field: "process.cwd", reason: "'\(cwd)' in \(source) must be absolute") }
        for (i, entry) in (env ?? []).enumerated() where !entry.contains("=") || entry.hasPrefix("=") {
            throw .invalidSpec(field: "process.env[\(i)]", reason: "'\(entry)' in \(source) is not NAME=VALUE")
        }
        let strings = args + (env ?? []) + [cwd]
        if strings.contains(where: { $0.utf8.contains(0) }) {
            throw .invalidSpec(field: "process", reason: "in \(source): args, env and cwd may not contain NUL")
        }
        for (i, limit) in (rlimits ?? []).enumerated() {
            guard OCISpec.rlimitTypes.contains(limit.type) else {
                throw .invalidSpec(field: "process.rlimits[\(i)].type", reason: "'\(limit.type)' in \(source) is not a Linux rlimit")
            }
            guard limit.soft <= limit.hard else {
                throw .invalidSpec(field: "process.rlimits[\(i)].soft", reason: "\(limit.soft) in \(source) is above the hard limit \(limit.hard)")
            }
        }
        if let groups = user?.additionalGids, groups.count > 64 {
            throw .invalidSpec(field: "process.user.additionalGids", reason: "\(groups.count) in \(source): at most 64")
        }
    }
}
