import FoundationEssentials
import IsolaContainer
import IsolaHost

/// runc's global options, which come before the command (`isola-runtime --root R
/// --log F --log-format json create ...`, as containerd's shim calls runc). They are
/// taken off the command line before the command is parsed.
struct RuntimeOptions {
    var root = RuntimeRoot.defaultPath
    var log: String?
    var logFormat = "text"
    var debug = false

    static let withValue: Set<String> = ["--root", "--log", "--log-format", "--criu", "--rootless"]
    static let flags: Set<String> = ["--systemd-cgroup", "--debug"]

    /// The options and what is left of `arguments` (the command and its own).
    static func take(_ arguments: [String]) throws(ContainerError) -> (RuntimeOptions, [String]) {
        var options = RuntimeOptions()
        var rest = arguments[...]
        while let first = rest.first, first.hasPrefix("--") {
            var name = first, value: String?
            if let eq = first.firstIndex(of: "=") {
                name = String(first[..<eq])
                value = String(first[first.index(after: eq)...])
            }
            if RuntimeOptions.flags.contains(name) {
                if name == "--debug" { options.debug = true }
                rest = rest.dropFirst()
                continue
            }
            guard RuntimeOptions.withValue.contains(name) else { break }
            rest = rest.dropFirst()
            if value == nil {
                guard let next = rest.first else { throw .failed("\(name) needs a value") }
                value = next
                rest = rest.dropFirst()
            }
            switch name {
            case "--root": options.root = value ?? options.root
            case "--log": options.log = value
            case "--log-format":
                guard value == "text" || value == "json" else { throw .failed("--log-format: '\(value ?? "")': expected text or json") }
                options.logFormat = value ?? "text"
            default: break  // --criu, --rootless: nothing to do for a VM
            }
        }
        return (options, Array(rest))
    }

    /// The arguments that give the same options to a child (the worker).
    var arguments: [String] {
        ["--root", root, "--log-format", logFormat] + (log.map { ["--log", $0] } ?? []) + (debug ? ["--debug"] : [])
    }

    /// Writes a log record as runc does (logrus: `{"level":…,"msg":…,"time":…}` in json).
    func record(_ level: String, _ message: String) {
        guard let log, let fd = HostDescriptor.openForAppending(log) else { return }
        defer { HostDescriptor.close(fd) }
        let time = ContainerRecord.timestamp()
        if logFormat == "json" {
            struct Line: Encodable { let level: String, msg: String, time: String }
            HostDescriptor.write(fd, ContainerRecord.json(Line(level: level, msg: message, time: time)) + [10])
        } else {
            HostDescriptor.write(fd, Array("time=\"\(time)\" level=\(level) msg=\"\(message)\"\n".utf8))
        }
    }
}
