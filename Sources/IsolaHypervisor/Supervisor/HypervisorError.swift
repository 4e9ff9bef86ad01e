/// Why the hypervisor refused or failed a request; each kind maps to one HTTP status,
/// and each names the field or state at fault.
public enum HypervisorError: Error, CustomStringConvertible, Equatable {
    /// The request is malformed: a field is missing, of the wrong type, unknown or out of range.
    case badRequest(field: String, reason: String)
    /// No such VM (or snapshot).
    case notFound(what: String)
    /// The VM's state does not allow the operation.
    case conflict(state: VMState, reason: String)
    /// Admission control: the request would over-commit a resource (dedicated CPUs).
    case refused(field: String, reason: String)
    /// The operation was tried and failed (the worker could not start the VM, say).
    case failed(reason: String)

    public var description: String {
        switch self {
        case let .badRequest(field, reason): return "\(field): \(reason)"
        case let .notFound(what): return "\(what) not found"
        case let .conflict(state, reason): return "the VM is \(state.rawValue): \(reason)"
        case let .refused(field, reason): return "\(field): \(reason)"
        case let .failed(reason): return reason
        }
    }

    /// The HTTP status the control API answers with.
    public var httpStatus: Int {
        switch self {
        case .badRequest: return 400
        case .notFound: return 404
        case .conflict, .refused: return 409
        case .failed: return 500
        }
    }

    /// The field the error is about, if any.
    public var field: String? {
        switch self {
        case let .badRequest(field, _), let .refused(field, _): return field
        default: return nil
        }
    }

    /// The API's name for a field of a VM's configuration file (the API is flat:
    /// `cpus` are dedicated host CPUs there, `vcpus` the guest's harts).
    static func apiField(_ field: String) -> String {
        switch field {
        case "cpu.dedicated": return "cpus"
        case "cpu.weight": return "weight"
        case "cpu.cap": return "cap"
        case "cpus": return "vcpus"
        default: return field
        }
    }
}
