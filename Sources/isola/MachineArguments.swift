import IsolaCore
import IsolaDevices
import IsolaRISCV

// The command line's syntax for disks and shared directories: the CLI parses it and
// hands the board plain values.

extension RISCVMachine.Configuration.SharedDirectory {
    /// Parses `HOSTDIR:TAG[,readonly]` as `--share` takes it (the last `:` ends the directory).
    init(argument: String) throws(CoreError) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let colon = parts[0].lastIndex(of: ":") else {
            throw .invalidConfiguration(field: "share", reason: "'\(argument)': expected HOSTDIR:TAG[,readonly]")
        }
        var readOnly = false
        for option in parts.dropFirst() {
            guard option == "readonly" || option == "ro", !readOnly else {
                throw .invalidConfiguration(field: "share", reason: "unknown or repeated option '\(option)' in '\(argument)'")
            }
            readOnly = true
        }
        self.init(path: String(parts[0][..<colon]), tag: String(parts[0][parts[0].index(after: colon)...]), readOnly: readOnly)
        try validate()
    }
}

extension RISCVMachine.Configuration.Disk {
    /// Parses `PATH[,readonly][,format=raw|qcow2]` as `--disk` takes it.
    init(argument: String) throws(CoreError) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty else {
            throw .invalidConfiguration(field: "disk", reason: "'\(argument)': expected PATH[,readonly][,format=raw|qcow2]")
        }
        var readOnly = false
        var format: DiskImageFormat?
        for option in parts.dropFirst() {
            switch option {
            case "readonly", "ro": readOnly = true
            case _ where option.hasPrefix("format="):
                guard let known = DiskImageFormat(rawValue: String(option.dropFirst(7))) else {
                    throw .invalidConfiguration(field: "disk", reason: "unknown format in '\(argument)': expected raw or qcow2")
                }
                format = known
            default: throw .invalidConfiguration(field: "disk", reason: "unknown option '\(option)' in '\(argument)'")
            }
        }
        self.init(path: first, readOnly: readOnly, format: format)
    }
}
