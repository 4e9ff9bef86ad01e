#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// Random bytes from the host kernel (`getrandom`), for the guest's entropy device.
public enum HostRandom {
    /// Fills `buffer`; answers false if the kernel gave fewer bytes (what is left is as it was).
    @discardableResult
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            // SAFETY: offset < buffer.count, so base + offset and the rest lie in the buffer.
            let n = isola_getrandom(base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// `count` random bytes, or nil if the kernel has none to give (a secret must not be zeros).
    public static func bytes(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        // SAFETY: the buffer is `bytes`' own storage, `count` bytes long, for the call only.
        return bytes.withUnsafeMutableBytes { fill($0) } ? bytes : nil
    }
}
