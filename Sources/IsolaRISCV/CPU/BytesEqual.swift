/// `memcmp(a, b, count) == 0`, without a call per byte: how cached code (decoded
/// pages, translated units) checks that memory still holds what it was made from.
@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        // SAFETY: i + 8 <= count, and both `a` and `b` hold `count` bytes (the caller's).
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < count {
        // SAFETY: i < count, and both `a` and `b` hold `count` bytes (the caller's).
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
