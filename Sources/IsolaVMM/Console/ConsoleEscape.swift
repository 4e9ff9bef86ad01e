/// The console's escape keys, as QEMU users know them: Ctrl-A X quits,
/// Ctrl-A C opens the monitor prompt, Ctrl-A Ctrl-A sends one Ctrl-A.
///
/// A pure state machine over input bytes, so the keys are testable without a terminal.
public struct ConsoleEscape {
    public static let escapeKey: UInt8 = 0x01  // Ctrl-A

    public enum Action: Equatable {
        /// Bytes for the guest.
        case guest([UInt8])
        case quit
        case monitor
    }

    private var afterEscape = false

    public init() {}

    /// Splits typed bytes into what the guest gets and the escape commands.
    public mutating func feed(_ bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        var pending: [UInt8] = []
        func flush() {
            if !pending.isEmpty { actions.append(.guest(pending)); pending.removeAll() }
        }
        for b in bytes {
            if afterEscape {
                afterEscape = false
                switch b {
                case UInt8(ascii: "x"), UInt8(ascii: "X"): flush(); actions.append(.quit)
                case UInt8(ascii: "c"), UInt8(ascii: "C"): flush(); actions.append(.monitor)
                case Self.escapeKey: pending.append(Self.escapeKey)
                default: pending.append(b)  // not a command: the key goes to the guest
                }
            } else if b == Self.escapeKey {
                afterEscape = true
            } else {
                pending.append(b)
            }
        }
        flush()
        return actions
    }
}
