import CIsolaHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pseudoterminal pair, for a container whose process has a terminal: the master
/// goes to whoever shows it (containerd, over `--console-socket`), the slave (raw:
/// the guest's own terminal does the line editing) to the worker.
public struct HostPseudoTerminal {
    public let master: Int32
    public let slave: Int32

    public static func open() throws -> HostPseudoTerminal {
        var m: Int32 = -1, s: Int32 = -1
        let rc = isola_open_pseudoterminal(&m, &s)
        guard rc == 0 else { throw HostError.io(operation: "open", path: "a pseudoterminal", errno: -rc) }
        return HostPseudoTerminal(master: m, slave: s)
    }

    /// Makes `fd` the calling process's controlling terminal (it leads a session without
    /// one), so a resize of the master reaches it as SIGWINCH.
    @discardableResult
    public static func makeControlling(_ fd: Int32) -> Bool { isola_set_controlling_terminal(fd) == 0 }

    /// The terminal's size as (rows, columns), or nil when `fd` is no terminal.
    public static func size(of fd: Int32) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0, columns: UInt16 = 0
        guard isola_window_size(fd, &rows, &columns) == 0 else { return nil }
        return (rows, columns)
    }

    @discardableResult
    public static func setSize(of fd: Int32, rows: UInt16, columns: UInt16) -> Bool {
        isola_set_window_size(fd, rows, columns) == 0
    }

    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
