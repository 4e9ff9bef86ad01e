import IsolaHost

/// A process as the container init takes it: key=value entries (init.c, `parse_spec`).
public enum ContainerProcess {
    /// The entries for `process`; `extra` adds the container-wide ones (hostname, network, seed).
    public static func entries(_ process: OCISpec.Process, terminalSize: (rows: UInt16, columns: UInt16)?,
                               extra: [(String, String)] = []) -> [UInt8] {
        var pairs: [(String, String)] = (process.args ?? []).map { ("arg", $0) }
        pairs += (process.env ?? []).map { ("env", $0) }
        pairs.append(("cwd", process.cwd))
        pairs.append(("uid", "\(process.user?.uid ?? 0)"))
        pairs.append(("gid", "\(process.user?.gid ?? 0)"))
        pairs += (process.user?.additionalGids ?? []).map { ("group", "\($0)") }
        pairs += (process.rlimits ?? []).map { ("rlimit", "\($0.type):\($0.soft):\($0.hard)") }
        if process.terminal == true {
            pairs.append(("terminal", "1"))
            let size = terminalSize ?? process.consoleSize.map { ($0.height, $0.width) }
            if let size, size.0 > 0, size.1 > 0 {
                pairs.append(("rows", "\(size.0)"))
                pairs.append(("columns", "\(size.1)"))
            }
        }
        return ContainerFrame.entries(pairs + extra)
    }

    /// Fresh randomness for the guest kernel's pool: every clone of a template starts
    /// from the same state, so each is given its own.
    public static func seed() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        // SAFETY: fills exactly the array's 32 bytes, inside the closure.
        bytes.withUnsafeMutableBytes { HostRandom.fill($0) }
        return bytes.map { String($0, radix: 16) }.joined()
    }
}
