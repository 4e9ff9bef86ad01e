#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIsolaHost

/// Random bytes from the host kernel (`getrandom`), for the guest's entropy device.
public enum HostRandom {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            // SAFETY: offset < buffer.count, so base + offset and the rest lie in the buffer.
            let n = isola_getrandom(base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}
