/// What every hart implements, by the ISA manual's names: the device tree tells the
/// guest in the current bindings (`riscv,isa-base`, `riscv,isa-extensions`) and in the
/// older `riscv,isa` string, from this one list, so that a kernel uses exactly what is
/// there and nothing that is not.
public enum ISAExtensions {
    public static let base = "rv64i"

    /// The single-letter extensions in canonical order, then the multi-letter ones by
    /// category (Zi, Zf, Zb, Zk, then S), alphabetically within each:
    /// - Zicbom, Zicbop, Zicboz: cache-block operations on 64-byte blocks (`cacheBlockSize`);
    ///   management is a permission check (nothing caches memory behind the guest), the
    ///   prefetches are ORI hints.
    /// - Zicntr, Zihpm: `cycle`, `time` and `instret` count; `hpmcounter3`-`31` exist and read 0.
    /// - Zihintpause: `pause` is a FENCE hint, which retires as one (no barrier).
    /// - Zfhmin: binary16 loads, stores, moves and conversions.
    /// - Zkt: the data-independent-latency instructions take the same path for every
    ///   operand value in both engines (no table lookups, no early exits on data).
    /// - Sdtrig: four address triggers (`TriggerModule`).
    /// - Sstc: S-mode's own timer compare, `stimecmp`. Svinval: `sinval.vma` and its fences.
    ///   Svpbmt: PTE memory types (accepted; Isola's memory has one type).
    public static let names = ["i", "m", "a", "f", "d", "c",
                               "zicbom", "zicbop", "zicboz", "zicntr", "zicsr", "zifencei", "zihintpause", "zihpm",
                               "zfhmin", "zba", "zbb", "zbs", "zkt", "sdtrig", "sstc", "svinval", "svpbmt"]

    /// `rv64imafdc_zicntr_…`: the letters after `rv64`, the rest joined by underscores.
    public static var isaString: String {
        let letters = names.filter { $0.count == 1 }.joined()
        let words = names.filter { $0.count > 1 }
        return (["rv64" + letters] + words).joined(separator: "_")
    }
}
