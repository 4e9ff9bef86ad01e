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
        // A jump that left its unit to be linked to the next one (`UnitExit.link`).
        var linkSite: UInt64 = 0, linkGeneration = 0
        while instret < limit && exitRequests.load(ordering: .relaxed) == 0 {
            guard let code = translator.code(at: pc, hart: self) else {
                // A fetch fault, or an instruction across a page end: the interpreter's.
                translator.statistics.interpretedInstructions += 1
                executeBlock(budget: 1)
                return
            }
            if linkSite != 0 {
                translator.link(site: linkSite, generation: linkGeneration, to: code)
                linkSite = 0
            }
            let exit = translator.run(code, state: state)
            if translator.stopTranslating {
                disableTranslation()
                if exit == .trap { pc = takePendingTrap(at: pc) }
                return
            }
            switch exit {
            case .trap:
                pc = takePendingTrap(at: pc)
            case .helperExit:
                return
            case .link:
                linkSite = state.linkSite.pointee
                linkGeneration = translator.cache.generation
            case .lookupMiss, .helperJump, .entryRefused, .codeChanged:
                continue
            }
        }
    }

    /// Runs up to `budget` instructions with this hart's engine (a translated unit
    /// runs whole once started), without the run loop's interrupt and exit-request
    /// handling: for tests and embedders that drive a hart step by step.
    public func execute(budget: Int) {
        if translator != nil { executeTranslated(budget: budget) } else { executeBlock(budget: budget) }
    }

    /// Makes the hart run translated code with a code cache of `codeCacheBytes`;
    /// throws when the host refuses executable memory.
    public func enableTranslation(codeCacheBytes: Int, perfMap: Bool = false) throws {
        let translator = try Translator(codeCacheBytes: codeCacheBytes, perfMap: perfMap)
        translator.attach(state)
        self.translator = translator
        updateTranslationContext()
    }

    /// In the child of a host fork (a process VM's fork): takes a private copy of
    /// the code cache, which the parent shares until then; if that fails the hart
    /// goes on with the interpreter once the code it is running returns.
    public func detachTranslationAfterFork() {
        guard let translator else { return }
        do {
            try translator.cache.memory.detachFromParent(keeping: translator.cache.used)
        } catch {
            translator.stopTranslating = true
        }
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
