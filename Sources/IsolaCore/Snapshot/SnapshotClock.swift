/// How guest time continues after a restore. It is part of what a restore is asked
/// (the API's `clock`, `isola restore --clock`), so it belongs to no one machine.
public enum SnapshotClock: String, Sendable, CaseIterable {
    /// From the time at which the snapshot was taken: the guest sees no time pass.
    case resume
    /// Jumping forward by the real time that passed since the snapshot was taken.
    case sync
}
