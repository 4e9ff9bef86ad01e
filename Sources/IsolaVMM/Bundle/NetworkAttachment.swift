import IsolaCore
import IsolaDevices
import IsolaRISCV

/// An interface as the VM document (`config.json`'s `networks`, the API's) and
/// `--net` write it: the document's syntax, so it is read here and not by the board.
extension RISCVMachine.Configuration.Network {
    /// Parses `switch:NAME[,mac=aa:bb:cc:dd:ee:ff]` or `tap:IFNAME[,mac=…]` as `--net`
    /// and `config.json`'s `networks` take it: a switch name is 1 to 32 of `A-Z a-z 0-9 - _`
    /// (it names a directory), an interface name 1 to 15 of those or `.` (Linux's IFNAMSIZ).
    public init(attachment argument: String) throws(CoreError) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func named(_ text: String, prefix: String, limit: Int, extra: UInt8?) -> String? {
            guard text.hasPrefix(prefix) else { return nil }
            let name = String(text.dropFirst(prefix.count))
            let plain = name.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == extra
            }
            return plain && (1...limit).contains(name.utf8.count) ? name : nil
        }
        let backend: Backend
        if let name = named(parts[0], prefix: "switch:", limit: 32, extra: nil) {
            backend = .virtualSwitch(name)
        } else if let name = named(parts[0], prefix: "tap:", limit: 15, extra: 0x2E) {
            backend = .tap(name)
        } else {
            throw .invalidConfiguration(field: "net", reason: "'\(argument)': expected switch:NAME (1 to 32 letters, digits, - or _) or tap:IFNAME (1 to 15), then [,mac=XX:XX:XX:XX:XX:XX]")
        }
        var mac: String?
        for option in parts.dropFirst() {
            guard mac == nil, option.hasPrefix("mac="), MACAddress(parsing: String(option.dropFirst(4))) != nil else {
                throw .invalidConfiguration(field: "net", reason: "unknown, repeated or malformed option '\(option)' in '\(argument)'")
            }
            mac = String(option.dropFirst(4))
        }
        self.init(backend: backend, mac: mac)
    }
}
