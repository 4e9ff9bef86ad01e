import IsolaHost

/// The interposer's audit log: one JSON object a line, appended to a file in the
/// VM's bundle (`audit.log`), so `tail -f` and `jq` read it as it grows.
final class AuditLog: @unchecked Sendable {
    // Sendable: writes are serialized by `lock`.
    private let output: HostOutput
    private let lock = HostMutex()

    init(path: String) throws {
        output = try HostOutput.appending(path)
    }

    func record(_ event: InterpositionEvent, action: String, rule: Int?) {
        let milliseconds = HostClock.realtimeNanoseconds() / 1_000_000
        var fields = ["\"time\":\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())",
                      "\"event\":\"\(event.kind.rawValue)\"", "\"detail\":\(AuditLog.quoted(event.detail))"]
        if let address = event.address { fields.append("\"address\":\"0x\(String(address, radix: 16))\"") }
        if event.bytes != 0 { fields.append("\"bytes\":\(event.bytes)") }
        if let write = event.write { fields.append("\"write\":\(write)") }
        fields.append("\"action\":\"\(action)\"")
        if let rule { fields.append("\"rule\":\(rule)") }
        let line = "{" + fields.joined(separator: ",") + "}\n"
        lock.withLock { output.write(line) }
    }

    /// `text` as a JSON string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(String(scalar.value + 0x10000, radix: 16).dropFirst())
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
