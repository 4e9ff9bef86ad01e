import IsolaCore

/// The SiFive test finisher (`sifive,test1` / syscon poweroff): a guest ends the
/// machine by writing one 32-bit word, and the word is its exit status.
public final class TestFinisher: MMIODevice {
    public static let pass: UInt64 = 0x5555
    public static let fail: UInt64 = 0x3333
    public static let reset: UInt64 = 0x7777

    private let power: PowerControl

    public init(power: PowerControl) {
        self.power = power
    }

    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard offset == 0 else { return }
        let status = value & 0xFFFF
        let code = Int32(truncatingIfNeeded: (value >> 16) & 0xFFFF)
        switch status {
        case Self.pass: power.request(.poweroff(exitCode: 0))
        case Self.fail: power.request(.poweroff(exitCode: code == 0 ? 1 : code))
        case Self.reset: power.request(.reset)
        default: break
        }
    }
}
