import ArgumentParser
import IsolaRISCV

/// The translator's part of `--stats`: what it made, what that cost, and why
/// generated code returned to the dispatcher.
enum TranslatorReport {
    static func lines(_ t: TranslatorStatistics, seconds: Double) -> String {
        let translating = Double(t.translationNanoseconds) / 1e9
        let share = seconds > 0 ? translating / seconds * 100 : 0
        var text = "isola: translator: \(t.unitsTranslated) units (\(t.guestInstructionsTranslated) guest instructions, "
            + "\(t.hostBytesWritten / 1024) KiB of host code written, \(t.codeCacheBytes / 1024) KiB in the cache), "
            + "translating \(format3(translating)) s (\(format1(share))% of the run), \(t.flushes) cache flushes, "
            + "\(t.invalidatedUnits) units invalidated, \(t.jumpCacheFlushes) jump-cache flushes (\(t.fenceInstructionEpochs) fence.i), \(t.interpretedInstructions) instructions interpreted, "
            + "\(t.linksMade) direct links (\(t.linksUndone) undone)\n"
        let exits = t.exitsByReason.filter { $0.count > 0 }.map { "\($0.reason) \($0.count)" }.joined(separator: ", ")
        text += "isola: translator exits: \(exits.isEmpty ? "none" : exits)\n"
        return text
    }
}

extension ExecutionEngine: ExpressibleByArgument {}
