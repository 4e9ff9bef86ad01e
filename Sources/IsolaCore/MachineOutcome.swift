/// Why a machine's run ended, whatever the machine: every backend reports one.
public enum MachineOutcome: Equatable, Sendable {
    /// The guest powered off, with its exit code.
    case poweroff(exitCode: Int32)
    /// The guest asked for a reboot.
    case reset
    /// The guest or its emulation failed in a way it cannot go on from.
    case crashed(reason: String)
    /// The host stopped it.
    case stopped
}
