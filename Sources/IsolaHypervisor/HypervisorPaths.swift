import IsolaHost

/// Where the hypervisor keeps its VMs and listens, unless told otherwise.
public enum HypervisorPaths {
    /// `$ISOLA_STATE`, or `$XDG_STATE_HOME/isola`, or `~/.local/state/isola`.
    public static var defaultStateDirectory: String {
        if let state = HostEnvironment.value("ISOLA_STATE"), !state.isEmpty { return state }
        if let xdg = HostEnvironment.value("XDG_STATE_HOME"), !xdg.isEmpty { return xdg + "/isola" }
        return (HostEnvironment.value("HOME") ?? ".") + "/.local/state/isola"
    }

    /// The API socket inside a state directory.
    public static func socket(in stateDirectory: String) -> String { stateDirectory + "/api.sock" }

    /// `$ISOLA_SOCKET`, or the socket in the default state directory.
    public static var defaultSocket: String {
        if let socket = HostEnvironment.value("ISOLA_SOCKET"), !socket.isEmpty { return socket }
        return socket(in: defaultStateDirectory)
    }
}
