/// What one hart's translator did, for `--stats` and the metrics.
public struct TranslatorStatistics: Sendable {
    public var unitsTranslated = 0
    public var guestInstructionsTranslated = 0
    /// Host code bytes written (over every flush).
    public var hostBytesWritten = 0
    public var translationNanoseconds: UInt64 = 0
    public var flushes = 0
    public var invalidatedUnits = 0
    /// Times the jump cache was emptied (a TLB flush, `fence.i`).
    public var jumpCacheFlushes = 0
    /// `fence.i`s (and remote ones): each makes every unit be compared with memory before it runs again.
    public var fenceInstructionEpochs = 0
    /// Instructions given to the interpreter: code not hot enough to translate yet, a
    /// fetch fault, an instruction across a page end whose next page was not at hand.
    public var interpretedInstructions = 0
    /// Jumps between units of one page patched to go direct, and patched back (their target dropped).
    public var linksMade = 0
    public var linksUndone = 0
    /// Exits of generated code, by `UnitExit` (indexed by raw value).
    public var exits = [UInt64](repeating: 0, count: UnitExit.allCases.count)
    /// Host bytes of code in the cache now.
    public var codeCacheBytes = 0

    public init() {}

    public mutating func add(_ other: TranslatorStatistics) {
        unitsTranslated += other.unitsTranslated
        guestInstructionsTranslated += other.guestInstructionsTranslated
        hostBytesWritten += other.hostBytesWritten
        translationNanoseconds += other.translationNanoseconds
        flushes += other.flushes
        invalidatedUnits += other.invalidatedUnits
        jumpCacheFlushes += other.jumpCacheFlushes
        fenceInstructionEpochs += other.fenceInstructionEpochs
        interpretedInstructions += other.interpretedInstructions
        codeCacheBytes += other.codeCacheBytes
        linksMade += other.linksMade
        linksUndone += other.linksUndone
        for i in exits.indices { exits[i] += other.exits[i] }
    }

    /// Exit counts by name.
    public var exitsByReason: [(reason: String, count: UInt64)] {
        UnitExit.allCases.map { ($0.name, exits[Int($0.rawValue)]) }
    }
}
