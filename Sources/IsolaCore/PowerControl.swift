/// What a guest asked the machine to do with its power.
public enum PowerRequest: Equatable, Sendable {
    /// Power off; `exitCode` 0 means success (test finisher pass, SBI shutdown).
    case poweroff(exitCode: Int32)
    case reset
    /// The monitor found the guest unable to go on (for example a trap whose handler cannot be fetched).
    case crashed(reason: String)
}

/// Receives a guest's poweroff and reset requests (test finisher, HTIF, SBI SRST).
public protocol PowerControl: AnyObject {
    func request(_ request: PowerRequest)
}
