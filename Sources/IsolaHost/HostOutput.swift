#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a host file descriptor, retrying short writes and EINTR.
public struct HostOutput: Sendable {
    public let fileDescriptor: Int32

    public static let standardOutput = HostOutput(fileDescriptor: 1)
    public static let standardError = HostOutput(fileDescriptor: 2)

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            // SAFETY: offset < bytes.count, so base + offset and the rest lie in the buffer.
            let n = systemWrite(fileDescriptor, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return  // the console is gone (closed pipe); the guest keeps running
            }
            offset += n
        }
    }

    public func write(_ bytes: [UInt8]) {
        // SAFETY: the array's storage, used only during `write`.
        bytes.withUnsafeBytes { write($0) }
    }

    public func write(_ text: String) {
        write(Array(text.utf8))
    }
}
