/// What an embedder is told when the library refuses or fails: each case names
/// what to fix.
public enum IsolaKitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration field no VM can have; `field` is its Swift path
    /// (`memorySizeInBytes`, `storageDevices[1].path`).
    case invalidConfiguration(field: String, reason: String)
    /// An operation the VM's current state does not allow (`resume` of a running VM).
    case invalidState(operation: String, state: VirtualMachine.State)
    /// The host or the VM failed to do what was asked (a file, a snapshot, a device).
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid configuration: \(field): \(reason)"
        case let .invalidState(operation, state): return "cannot \(operation) a VM that is \(state)"
        case let .failed(operation, reason): return "\(operation) failed: \(reason)"
        }
    }
}
