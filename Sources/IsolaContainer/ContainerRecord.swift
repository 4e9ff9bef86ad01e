import FoundationEssentials
import IsolaHost

/// What the runtime keeps of one container in its state directory
/// (`ROOT/ID/state.json`, beside a copy of the bundle's config.json and the worker's
/// control socket and console log). The worker's pid with its start time names the
/// container's process, so a reused pid is never mistaken for it.
public struct ContainerRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case creating, created, running, paused, stopped
    }

    public var id: String
    public var bundle: String
    public var rootfs: String
    public var status: Status
    public var pid: Int32
    public var processStart: UInt64?
    /// RFC 3339, as runc reports it.
    public var created: String
    public var owner: String
    public var annotations: [String: String]?

    public init(id: String, bundle: String, rootfs: String, annotations: [String: String]?) {
        self.id = id
        self.bundle = bundle
        self.rootfs = rootfs
        status = .creating
        pid = 0
        created = ContainerRecord.timestamp()
        owner = HostEnvironment.userID == 0 ? "root" : "\(HostEnvironment.userID)"
        self.annotations = annotations
    }

    /// The status as it is now: a container whose worker is gone is stopped.
    public var currentStatus: Status {
        switch status {
        case .creating, .stopped: return status
        case .created, .running, .paused:
            guard pid > 0, HostProcess.isAlive(pid), HostProcess.startTime(of: pid) == processStart else { return .stopped }
            return status
        }
    }

    /// The runtime specification's state (runtime.md, "State"), with runc's extra fields.
    public struct OCIState: Codable, Equatable, Sendable {
        public var ociVersion: String
        public var id: String
        public var status: String
        public var pid: Int32
        public var bundle: String
        public var rootfs: String
        public var created: String
        public var owner: String
        public var annotations: [String: String]
    }

    public var ociState: OCIState {
        let now = currentStatus
        return OCIState(ociVersion: ContainerRecord.ociVersion, id: id, status: now.rawValue, pid: now == .stopped ? 0 : pid,
                        bundle: bundle, rootfs: rootfs, created: created, owner: owner, annotations: annotations ?? [:])
    }

    public var ociStateJSON: [UInt8] { ContainerRecord.json(ociState) }

    public static let ociVersion = "1.0.2"

    /// The runtime's JSON: keys sorted, slashes as they are (state, logs, the control socket).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func json<T: Encodable>(_ value: T, pretty: Bool = false) -> [UInt8] {
        (try? encoder(pretty: pretty).encode(value)).map { Array($0) } ?? Array("{}".utf8)
    }

    /// Now, in RFC 3339 with nanoseconds, as runc writes times.
    public static func timestamp() -> String {
        let now = HostClock.realtimeNanoseconds()
        let seconds = Int(now / 1_000_000_000), nanoseconds = Int(now % 1_000_000_000)
        var days = seconds / 86400, rest = seconds % 86400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = days / 146_097, doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let hour = rest / 3600; rest %= 3600
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var fraction = String(nanoseconds)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(rest / 60)):\(two(rest % 60)).\(fraction)Z"
    }
}

/// The runtime's state directory (`--root`): one directory per container.
public struct RuntimeRoot: Sendable {
    public let path: String
    public static let defaultPath = "/run/isola-runtime"

    public init(path: String) {
        self.path = path
    }

    public func directory(_ id: String) -> String { path + "/" + id }
    public func statePath(_ id: String) -> String { directory(id) + "/state.json" }
    public func specPath(_ id: String) -> String { directory(id) + "/config.json" }
    public func controlPath(_ id: String) -> String { directory(id) + "/control.sock" }
    public func consoleLogPath(_ id: String) -> String { directory(id) + "/console.log" }
    /// What the worker took from the container's network namespace (for delete to give back).
    public func networkPath(_ id: String) -> String { directory(id) + "/network.json" }
    public var templatesDirectory: String { path + "/templates" }

    public func load(_ id: String) throws(ContainerError) -> ContainerRecord {
        try ContainerError.checkID(id)
        guard let bytes = try? HostFile.readAll(statePath(id)) else { throw .notFound(id: id) }
        guard let record = try? JSONDecoder().decode(ContainerRecord.self, from: Data(bytes)) else {
            throw .failed("\(statePath(id)) is not a container state this runtime wrote")
        }
        return record
    }

    public func save(_ record: ContainerRecord) throws(ContainerError) {
        do {
            try HostFile.writeAtomically(Array(try ContainerRecord.encoder().encode(record)), to: statePath(record.id))
        } catch {
            throw .failed("cannot write \(statePath(record.id)): \(error)")
        }
    }

    /// Every container's ID (directories with a state file), sorted.
    public func list() -> [String] {
        HostDirectory.entries(path).filter { $0 != "templates" && HostFile.exists(statePath($0)) }.sorted()
    }

    public func remove(_ id: String) {
        HostDirectory.removeTree(directory(id))
    }

    /// Makes the root (and its parents) for this user only.
    public func prepare() throws(ContainerError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if !HostFile.isDirectory(current) { try? HostDirectory.create(current, mode: 0o711) }
        }
        guard HostFile.isDirectory(path) else { throw .failed("cannot create the runtime root \(path)") }
    }
}
