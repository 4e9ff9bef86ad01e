/// A part of a machine that a snapshot saves and restores: each encodes its own
/// state with its own version, and refuses bytes it cannot take without changing.
public protocol SnapshotState: AnyObject {
    func saveState(into out: inout SnapshotWriter)
    func restoreState(from input: inout SnapshotReader) throws(SnapshotError)
}

extension SnapshotReader {
    /// Reads a state's version and refuses any other than `expected`.
    public mutating func expectVersion(_ expected: UInt32, of thing: String) throws(SnapshotError) {
        let version = try read(UInt32.self)
        guard version == expected else {
            throw .invalid(what: what, reason: "\(thing) state version \(version); this Isola reads \(expected)")
        }
    }
}
