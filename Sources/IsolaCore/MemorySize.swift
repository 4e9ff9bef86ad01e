/// Parses sizes the way users write them: `256M`, `1G`, `65536`.
public enum MemorySize {
    public static func parse(_ text: String) throws(CoreError) -> UInt64 {
        var digits = Substring(text.uppercased())
        var multiplier: UInt64 = 1
        switch digits.last {
        case "K": multiplier = 1 << 10; digits.removeLast()
        case "M": multiplier = 1 << 20; digits.removeLast()
        case "G": multiplier = 1 << 30; digits.removeLast()
        default: break
        }
        // Digits only: UInt64("+5") would take a sign no size has.
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(digits), value > 0 else {
            throw .invalidMemorySize(text)
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .invalidMemorySize(text) }
        return product
    }
}
