/// The states of a hart under SBI Hart State Management (SBI specification v2.0,
/// table 36), kept in `Hart.hsmState` and answered by `hart_get_status`.
public enum HSMState: UInt8, Sendable {
    case started = 0
    case stopped = 1
    case startPending = 2
    case stopPending = 3
    case suspended = 4
}
