/// Fields of `menvcfg` and `senvcfg` (privileged spec 3.1.18 and 10.1.10): what a more
/// privileged mode lets the modes below it do.
public enum EnvironmentConfiguration {
    /// Fence of I/O implies memory: a fence that orders I/O orders memory too.
    public static let fiom: UInt64 = 1 << 0
    /// CBIE (Zicbom): 00 `cbo.inval` is illegal, 01 it flushes, 11 it invalidates; 10 is reserved.
    public static let cbie: UInt64 = 3 << 4
    /// CBCFE (Zicbom): `cbo.clean` and `cbo.flush` may run.
    public static let cbcfe: UInt64 = 1 << 6
    /// CBZE (Zicboz): `cbo.zero` may run.
    public static let cbze: UInt64 = 1 << 7
    /// PBMTE (Svpbmt, `menvcfg` only): S-mode page tables may name a memory type.
    public static let pbmte: UInt64 = 1 << 62
    /// STCE (Sstc, `menvcfg` only): S-mode owns `stimecmp`, which drives STIP.
    public static let stce: UInt64 = 1 << 63

    static let senvcfgWritable: UInt64 = fiom | cbie | cbcfe | cbze
    static let menvcfgWritable: UInt64 = senvcfgWritable | pbmte | stce

    /// The value a write of `value` leaves (WARL): the writable bits, with CBIE's reserved 10 read as 00.
    static func legal(_ value: UInt64, writable: UInt64) -> UInt64 {
        let kept = value & writable
        return kept & cbie == 2 << 4 ? kept & ~cbie : kept
    }
}
