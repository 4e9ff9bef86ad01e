/// A part of a machine that a snapshot saves and restores: each encodes its own
/// state with its own version, and refuses bytes it cannot take without changing.
public protocol SnapshotState: AnyObject {
    func saveState(into out: inout SnapshotWriter)
    func restoreState(from input: inout SnapshotReader) throws(SnapshotError)
}

extension SnapshotReader {
    /// Reads a state's version and refuses any other than `expected`.
    public mutating func expectVersion(_ expected: UInt32, of thing: String) throws(SnapshotError) {
        _ = try expectVersion(in: expected...expected, of: thing)
    }

    /// Reads a layout version that must lie in `accepted` (older layouts a reader still
    /// understands, up to its own), and returns it.
    public mutating func expectVersion(in accepted: ClosedRange<UInt32>, of thing: String) throws(SnapshotError) -> UInt32 {
        let version = try read(UInt32.self)
        guard accepted.contains(version) else {
            let known = accepted.count == 1 ? "\(accepted.lowerBound)" : "\(accepted.lowerBound) to \(accepted.upperBound)"
            throw .invalid(what: what, reason: "\(thing) state version \(version); this Isola reads \(known)")
        }
        return version
    }
}
