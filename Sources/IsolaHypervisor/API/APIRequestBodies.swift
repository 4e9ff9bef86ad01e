import IsolaCore
import IsolaVMM

// The request bodies as the generated server decodes them (the document's schemas
// of the same names, replaced by these in scripts/openapi/openapi-generator-config.yaml).
// Each reads the body as plain JSON first and then through `APIRequests`, so a body
// is read as strictly as it always was: one type per field, an unknown field
// refused, a null told from an absent field, and every error naming its field.
// They are only ever read: encoding one is a programming error.

/// A body the server only reads; `Hashable` for the generated enums that hold it,
/// through what it decoded to.
protocol APIRequestBody: Codable, Hashable, Sendable {
    associatedtype Decoded: Equatable
    var decoded: Decoded { get }
    init(json: JSONValue) throws(HypervisorError)
}

extension APIRequestBody {
    init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "a request body is only read"))
    }

    static func == (a: Self, b: Self) -> Bool { a.decoded == b.decoded }
    func hash(into hasher: inout Hasher) {}
}

/// `POST /vms`: a VM's configuration, flat.
struct CreateRequest: APIRequestBody {
    let decoded: VMConfigurationFile
    init(json: JSONValue) throws(HypervisorError) { decoded = try APIRequests.create(json) }
}

/// `PATCH /vms/{name}`.
struct UpdateRequest: APIRequestBody {
    let decoded: VMUpdate
    init(json: JSONValue) throws(HypervisorError) { decoded = try APIRequests.update(json) }
}

/// `POST /vms/{name}/start`, `pause` and `resume`: an empty object, if anything.
struct NoParametersRequest: APIRequestBody {
    var decoded: Bool { true }
    init(json: JSONValue) throws(HypervisorError) { try JSONFields(json).finish() }
}

/// `POST /vms/{name}/stop`.
struct StopRequest: APIRequestBody {
    struct Decoded: Equatable { var force: Bool; var timeoutSeconds: Double }
    let decoded: Decoded
    init(json: JSONValue) throws(HypervisorError) {
        let (force, timeout) = try APIRequests.stop(json)
        decoded = Decoded(force: force, timeoutSeconds: timeout)
    }
}

/// `POST /vms/{name}/snapshots`.
struct SnapshotRequest: APIRequestBody {
    let decoded: String
    init(json: JSONValue) throws(HypervisorError) { decoded = try APIRequests.snapshot(json) }
}

/// `POST /vms/{name}/restore`.
struct RestoreRequest: APIRequestBody {
    struct Decoded: Equatable { var tag: String; var clock: SnapshotClock }
    let decoded: Decoded
    init(json: JSONValue) throws(HypervisorError) {
        let (tag, clock) = try APIRequests.restore(json)
        decoded = Decoded(tag: tag, clock: clock)
    }
}

/// The VM as responses carry it; equal VMs have one name.
extension VMInfo: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
