/// Signal names as `kill` takes them: `TERM`, `SIGTERM` or `15` (Linux's numbers).
public enum SignalName {
    public static let numbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10,
        "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
        "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
        "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
    ]

    public static func parse(_ text: String) -> Int32? {
        if let n = Int32(text) { return (1...64).contains(n) ? n : nil }
        let name = text.uppercased()
        return numbers[name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name]
    }
}
