/// What every hart implements, by the ISA manual's names: the device tree tells the
/// guest in the current bindings (`riscv,isa-base`, `riscv,isa-extensions`) and in the
/// older `riscv,isa` string, from this one list, so that a kernel uses exactly what is
/// there and nothing that is not.
public enum ISAExtensions {
    public static let base = "rv64i"

    /// The single-letter extensions in canonical order, then the multi-letter ones.
    /// Zicntr: `cycle`, `time` and `instret` read as the counters they name.
    /// Zihintpause: `pause` is a FENCE hint, which retires as one (no barrier).
    public static let names = ["i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "zihintpause", "zba", "zbb", "zbs"]

    /// `rv64imafdc_zicntr_…`: the letters after `rv64`, the rest joined by underscores.
    public static var isaString: String {
        let letters = names.filter { $0.count == 1 }.joined()
        let words = names.filter { $0.count > 1 }
        return (["rv64" + letters] + words).joined(separator: "_")
    }
}
