import IsolaHost

/// The dispatcher: runs a hart's guest code as translated units, between the
/// run loop's checks, with the interpreter for what no unit can hold.
extension Hart {
    /// Runs translated code for up to `budget` instructions, or until the exit-request
    /// word is set or an instruction asks the hart to look at its state.
    func executeTranslated(budget: Int) {
        // SAFETY: the run loop calls this only when the hart has a translator.
        let translator = self.translator.unsafelyUnwrapped
        let limit = instret &+ UInt64(budget)
        state.instretLimit.pointee = limit
        while instret < limit && exitRequests.load(ordering: .relaxed) == 0 {
            guard let code = translator.code(at: pc, hart: self) else {
                // A fetch fault, or an instruction across a page end: the interpreter's.
                translator.statistics.interpretedInstructions += 1
                executeBlock(budget: 1)
                return
            }
            switch translator.run(code, state: state) {
            case .trap:
                pc = takePendingTrap(at: pc)
            case .helperExit:
                return
            case .lookupMiss, .helperJump, .entryRefused, .codeChanged:
                continue
            }
        }
    }

    /// Makes the hart run translated code with a code cache of `codeCacheBytes`;
    /// throws when the host refuses executable memory.
    public func enableTranslation(codeCacheBytes: Int, perfMap: Bool = false) throws {
        translator = try Translator(codeCacheBytes: codeCacheBytes, perfMap: perfMap)
        updateTranslationContext()
    }

    /// Back to the interpreter alone.
    public func disableTranslation() {
        translator = nil
        updateTranslationContext()
    }

    /// Whether the hart runs translated code.
    public var isTranslating: Bool { translator != nil }

    /// What the hart's translator did so far (nil under the interpreter).
    public var translatorStatistics: TranslatorStatistics? { translator?.currentStatistics }
}
