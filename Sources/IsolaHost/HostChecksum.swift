import CIsolaHost

/// Fast whole-buffer checks a snapshot needs: a 64-bit checksum that runs near
/// memory speed, and whether a page is all zeros.
public enum HostChecksum {
    /// Not cryptographic: it catches corruption and truncation, not an adversary
    /// who can rewrite the file (who could rewrite the checksum as well).
    public static func checksum64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        guard let base = bytes.baseAddress else { return isola_checksum64(nil, 0, seed) }
        return isola_checksum64(base, bytes.count, seed)
    }

    public static func checksum64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        // SAFETY: the array's storage, read only during the call.
        bytes.withUnsafeBytes { checksum64($0, seed: seed) }
    }

    /// Whether `count` bytes at `pointer` (a multiple of 64) are all zero.
    public static func isZero(_ pointer: UnsafeRawPointer, count: Int) -> Bool {
        precondition(count % 64 == 0)
        return isola_is_zero(pointer, count) != 0
    }
}
