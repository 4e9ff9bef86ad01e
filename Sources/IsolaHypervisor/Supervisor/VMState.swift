/// Where a VM is in its life under the hypervisor:
/// `created → running ⇄ paused → stopping → stopped | crashed`, and from stopped or
/// crashed it may start again. An operation that makes no sense in the current state is refused
/// (409), never silently ignored.
public enum VMState: String, Codable, Sendable, CaseIterable {
    /// Made, never started.
    case created
    /// Its worker runs the guest.
    case running
    /// Its worker holds the guest stopped: harts halted, devices quiesced, time frozen.
    case paused
    /// A stop is in progress: the guest has its graceful window to power down, then the
    /// worker is made to end. Only a forced stop is taken meanwhile.
    case stopping
    /// Ended cleanly: stopped through the API, or the guest powered off.
    case stopped
    /// Ended badly: its worker died (a signal, a bug) or the guest crashed or panicked.
    case crashed

    /// Whether a worker process exists for the VM.
    public var hasWorker: Bool { self == .running || self == .paused || self == .stopping }

    /// Whether the VM may be started (booted or restored) from this state.
    public var canStart: Bool { !hasWorker }
}
