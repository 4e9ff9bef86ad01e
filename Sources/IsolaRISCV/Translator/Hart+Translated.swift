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
                // Code not hot yet, or a fetch fault: the interpreter's, which returns to
                // the run loop if an instruction needs it to look at the hart's state.
                let count = translator.interpretCount
                translator.interpretCount = 1
                translator.statistics.interpretedInstructions += count
                executeBlock(budget: count)
                return
            }
            if linkSite != 0 {
                translator.link(site: linkSite, generation: linkGeneration, to: code)
                linkSite = 0
            }
            switch translator.run(code, state: state) {
            case .trap:
                pc = takePendingTrap(at: pc)
            case .helperExit:
                return
            case .link:
                // SAFETY: this hart's own block, alive while it runs; `linkSite` is its UInt64 field.
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

    /// Makes the hart run translated code with a code cache of `codeCacheBytes`,
    /// translating code once it has started `threshold` times (1...255); throws when
    /// the host refuses executable memory.
    public func enableTranslation(codeCacheBytes: Int, perfMap: Bool = false,
                                  threshold: Int = ExecutionEngine.defaultTranslationThreshold) throws {
        let translator = try Translator(codeCacheBytes: codeCacheBytes, perfMap: perfMap,
                                        threshold: UInt8(clamping: max(1, threshold)))
        translator.attach(state)
        self.translator = translator
        updateTranslationContext()
    }

    /// Before a host fork (a process VM's fork): copies the code cache for the child,
    /// while only this thread writes it. The child then calls
    /// `detachTranslationAfterFork`, the parent `endTranslationFork`. False when the
    /// copy cannot be made (the host is out of memory): then there must be no fork,
    /// since the child would run code its parent goes on rewriting.
    public func prepareTranslationForFork() -> Bool {
        guard let translator else { return true }
        guard let copy = try? translator.cache.memory.copyForFork(keeping: translator.cache.used) else { return false }
        translator.forkCopy = copy
        return true
    }

    /// In the child of a host fork: takes over the copy made before it, so the parent's
    /// later code and patches never reach the child. If the host refuses to map it, the
    /// child cannot safely return into its code and ends at once, saying why.
    public func detachTranslationAfterFork() {
        guard let translator, let copy = translator.forkCopy else { return }
        translator.forkCopy = nil
        do {
            try translator.cache.memory.adopt(copy)
        } catch {
            HostOutput.standardError.write("isola: the forked process cannot map its translated code (\(error))\n")
            HostProcess.exitImmediately(127)
        }
    }

    /// In the parent of a host fork (or when it failed): drops the child's copy.
    public func endTranslationFork() {
        guard let translator, let copy = translator.forkCopy else { return }
        translator.forkCopy = nil
        translator.cache.memory.release(copy)
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
