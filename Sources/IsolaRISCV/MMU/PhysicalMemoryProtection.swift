/// Physical memory protection (privileged spec 3.7): 16 entries with OFF, TOR,
/// NA4 and NAPOT matching, R/W/X permissions and the lock bit.
public struct PhysicalMemoryProtection: Sendable, Equatable {
    public static let entryCount = 16
    /// One configuration byte per entry (`pmpcfg0` holds entries 0-7, `pmpcfg2` entries 8-15).
    public internal(set) var config = [UInt8](repeating: 0, count: entryCount)
    /// `pmpaddr` registers: bits 55:2 of an address.
    public internal(set) var address = [UInt64](repeating: 0, count: entryCount)

    public static let r: UInt8 = 1, w: UInt8 = 2, x: UInt8 = 4, lock: UInt8 = 0x80
    /// The A field's modes, as they sit in a configuration byte.
    public static let tor: UInt8 = 1 << 3, na4: UInt8 = 2 << 3, napot: UInt8 = 3 << 3
    public static let addressMask: UInt64 = (1 << 54) - 1

    public init() {}

    private func mode(_ i: Int) -> UInt8 { (config[i] >> 3) & 3 }

    /// Whether any entry is active; with none, M-mode has full access and S/U none.
    public var anyActive: Bool { config.contains { ($0 >> 3) & 3 != 0 } }

    /// The byte range `[low, high)` an entry covers, or nil when it is off.
    public func range(_ i: Int) -> (low: UInt64, high: UInt64)? {
        let a = address[i]
        switch mode(i) {
        case 1:  // TOR
            let low = i == 0 ? 0 : address[i - 1] << 2
            return (low, a << 2)
        case 2:  // NA4
            return (a << 2, (a << 2) + 4)
        case 3:  // NAPOT
            let ones = UInt64((~a).trailingZeroBitCount)
            if ones >= 54 { return (0, UInt64.max) }
            let size = UInt64(1) << (ones + 3)
            let base = (a & ~((UInt64(1) << ones) - 1)) << 2
            return (base, base &+ size)
        default:
            return nil
        }
    }

    /// Whether an access of `length` bytes at `address` is allowed at `privilege`.
    /// An entry that matches only part of the access makes it fail (spec 3.7.1.3).
    public func allows(_ address: UInt64, length: UInt64, access: AccessType, privilege: PrivilegeMode) -> Bool {
        let last = address &+ (length - 1)
        for i in 0..<Self.entryCount {
            guard let (low, high) = range(i) else { continue }
            let firstIn = address >= low && (high == .max || address < high)
            let lastIn = last >= low && (high == .max || last < high)
            if !firstIn && !lastIn { continue }
            if !(firstIn && lastIn) { return false }
            let cfg = config[i]
            if privilege == .machine && cfg & Self.lock == 0 { return true }
            switch access {
            case .read: return cfg & Self.r != 0
            case .write: return cfg & Self.w != 0
            case .fetch: return cfg & Self.x != 0
            }
        }
        return privilege == .machine
    }

    /// Whether entry `i` ignores writes: locked, or the TOR top of a locked entry `i + 1`.
    public func isLocked(_ i: Int) -> Bool {
        if config[i] & Self.lock != 0 { return true }
        if i + 1 < Self.entryCount && config[i + 1] & Self.lock != 0 && (config[i + 1] >> 3) & 3 == 1 { return true }
        return false
    }

    /// Writes one configuration byte, honouring the lock and the reserved W-without-R combination.
    public mutating func writeConfig(_ i: Int, _ value: UInt8) {
        guard config[i] & Self.lock == 0 else { return }
        var v = value & 0x9F  // bits 5-6 are reserved
        if v & Self.w != 0 && v & Self.r == 0 { v &= ~Self.w }
        config[i] = v
    }

    public mutating func writeAddress(_ i: Int, _ value: UInt64) {
        guard !isLocked(i) else { return }
        address[i] = value & Self.addressMask
    }
}
