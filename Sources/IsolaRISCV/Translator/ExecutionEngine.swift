import IsolaHost

/// How a hart runs guest code.
public enum ExecutionEngine: String, Sendable, CaseIterable, Codable {
    /// The dynamic binary translator (x86-64 hosts), with the interpreter for what it hands back.
    case jit
    /// The interpreter alone: the reference, and every host's fallback.
    case interpreter

    /// The engine a VM gets when its configuration names none: the translator where a backend exists.
    public static var hostDefault: ExecutionEngine {
        #if arch(x86_64) && os(Linux)
        return .jit
        #else
        return .interpreter
        #endif
    }

    /// Whether this host has a backend for the translator.
    public static var translatorAvailable: Bool { hostDefault == .jit }

    /// The default bound on a VM's translated code, split between its harts.
    public static let defaultCodeCacheBytes = 64 << 20

    /// How many times code starts in the interpreter before the translator makes it a
    /// unit: most of a Linux boot's code runs only a few times, and translating a unit
    /// costs as much as interpreting it a few hundred times (32 takes a boot's share
    /// of translating from 28% to 11%). `ISOLA_TRANSLATE_AFTER` sets it (1 translates
    /// code the first time it runs, as the tests of the translator itself want).
    public static let defaultTranslationThreshold: Int = {
        guard let text = HostEnvironment.value("ISOLA_TRANSLATE_AFTER"), let n = Int(text), (1...255).contains(n) else { return 32 }
        return n
    }()
}
