import FoundationEssentials
import IsolaCore

extension InterpositionPolicy {
    /// Reads a policy from JSON, refusing unknown fields and naming the one at fault.
    public static func decode(_ bytes: [UInt8]) throws(CoreError) -> InterpositionPolicy {
        let policy: InterpositionPolicy
        do {
            policy = try JSONDecoder().decode(InterpositionPolicy.self, from: Data(bytes))
        } catch let error as CoreError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidConfiguration(field: InterpositionPolicy.path(context.codingPath + [key]), reason: "missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidConfiguration(field: InterpositionPolicy.path(context.codingPath), reason: "has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidConfiguration(field: InterpositionPolicy.path(context.codingPath), reason: context.debugDescription)
        } catch {
            throw .invalidConfiguration(field: "policy", reason: "not a JSON object")
        }
        try policy.validate()
        return policy
    }

}
