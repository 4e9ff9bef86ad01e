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
}
