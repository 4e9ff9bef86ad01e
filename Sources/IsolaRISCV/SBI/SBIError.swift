/// SBI return codes (SBI specification v2.0, table 1).
public enum SBIError: Int64 {
    case success = 0
    case failed = -1
    case notSupported = -2
    case invalidParameter = -3
    case denied = -4
    case invalidAddress = -5
    case alreadyAvailable = -6
    case alreadyStarted = -7
    case alreadyStopped = -8
}

/// SBI extension IDs Isola implements.
public enum SBIExtension {
    public static let base: UInt64 = 0x10
    public static let time: UInt64 = 0x5449_4D45        // "TIME"
    public static let ipi: UInt64 = 0x0073_5049         // "sPI"
    public static let rfence: UInt64 = 0x5246_4E43      // "RFNC"
    public static let hsm: UInt64 = 0x0048_534D         // "HSM"
    public static let srst: UInt64 = 0x5352_5354        // "SRST"
    public static let dbcn: UInt64 = 0x4442_434E        // "DBCN"
    /// Legacy extensions 0x00-0x08 (SBI v0.1).
    public static let legacy: ClosedRange<UInt64> = 0x00...0x08

    static let implemented: Set<UInt64> = [base, time, ipi, rfence, hsm, srst, dbcn]

    /// The extension's name as the interposer and the metrics call it.
    static func name(_ eid: UInt64) -> String {
        switch eid {
        case base: return "base"
        case time: return "time"
        case ipi: return "ipi"
        case rfence: return "rfence"
        case hsm: return "hsm"
        case srst: return "srst"
        case dbcn: return "dbcn"
        case legacy: return "legacy"
        default: return "other"
        }
    }
}
