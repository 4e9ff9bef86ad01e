/// How a worker tells the supervisor, by its exit status, how its VM ended. A worker
/// killed by a signal, or one that exits with a status not listed, crashed.
public enum WorkerExit: Int32, Sendable, CaseIterable {
    /// The guest powered off cleanly (SBI SRST shutdown, the test finisher's pass).
    case poweredOff = 0
    /// The monitor caught the guest in a state it cannot go on from.
    case guestCrashed = 1
    /// The VM could not be made: a bad configuration or image, a refused snapshot.
    case failedToStart = 2
    /// The guest asked for a reset (a reboot, or Linux's reboot after a panic).
    case reset = 3
    /// The guest powered off reporting a failure (SRST reason "system failure").
    case poweredOffWithFailure = 4
    /// The monitor was told to quit (the supervisor's forced stop).
    case stopped = 5
}
