import IsolaHost

/// Why a VM's worker ended, as the supervisor recorded it at once: the exit status or
/// signal, what that means, and the last lines the guest printed.
public struct ExitRecord: Codable, Sendable, Equatable {
    /// "powered off", "reset", "stopped", "crashed", "killed by signal 9 (SIGKILL)", …
    public var reason: String
    /// The worker's exit status, or nil when a signal ended it.
    public var status: Int32?
    public var signal: Int32?
    /// Seconds since the Unix epoch.
    public var at: Double
    /// The guest console's last lines.
    public var console: [String]
    /// The worker's own last log lines (why it could not start, say).
    public var log: [String]

    /// How many console lines a record keeps.
    public static let consoleLines = 20

    /// The last `count` lines of a text file (reading at most its last 64 KiB).
    static func lastLines(of path: String, count: Int) -> [String] {
        guard let bytes = try? HostFile.readAll(path) else { return [] }
        // Split as bytes: in a Swift string "\r\n" is one character, not a "\n".
        let lines = bytes.suffix(64 << 10).split(separator: 10).map { line in
            String(decoding: line.filter { $0 != 13 }, as: UTF8.self)
        }
        return lines.filter { !$0.isEmpty }.suffix(count).map { $0 }
    }
}
