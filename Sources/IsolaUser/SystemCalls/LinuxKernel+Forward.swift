import IsolaHost

/// Forwarding a system call to the host: paths looked up through the sysroot,
/// buffers copied in from the program before and out to it after, each checked
/// against the program's mappings.
extension LinuxKernel {
    /// The most a length argument may make Isola copy for one call (16 MiB); the host
    /// is told the same bound, so it never reads or writes past the copy.
    static let maximumBuffer: UInt64 = 1 << 24

    func forward(_ call: PassThrough, _ a: [UInt64]) -> Int {
        var host = [Int](repeating: 0, count: 6)
        var buffers: [UnsafeMutableRawPointer] = []
        defer { buffers.forEach { $0.deallocate() } }
        /// Copies after the call: (argument, host buffer, bytes, "result × scale" when
        /// scale is set, or the count the host left at the length pointer of argument
        /// `lengthFrom`).
        var copyOut: [(address: UInt64, buffer: UnsafeMutableRawPointer, count: Int, scale: Int?, lengthFrom: Int?)] = []

        func hostBuffer(_ count: Int) -> UnsafeMutableRawPointer {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
            // SAFETY: the fresh allocation just above, of max(count, 1) bytes; the defer frees it after the call.
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
            buffers.append(buffer)
            return buffer
        }
        /// Lengths the host must see as they were bounded here (argument, value): the
        /// buffers are sized by the bounded length, so the host may not be told more.
        var bounded: [(argument: Int, value: Int)] = []
        func length(_ length: Length) -> Int {
            switch length {
            case let .bytes(n): return n
            case let .argument(i, scale):
                let count = Int(min(a[i], LinuxKernel.maximumBuffer))
                bounded.append((i, count))
                return count * scale
            case let .descriptorSet(i):
                let count = Int(min(a[i], 1 << 16))
                bounded.append((i, count))
                return (count + 63) / 64 * 8
            }
        }
        func stringArgument(_ address: UInt64, lookUp: Bool) -> Int? {
            guard var bytes = memory.bytes(ofString: address) else { return nil }
            if lookUp { bytes = sysroot.hostPath(bytes) }
            let buffer = hostBuffer(bytes.count + 1)
            // SAFETY: the buffer holds bytes.count + 1 bytes; the last stays zero, the NUL.
            buffer.copyMemory(from: bytes, byteCount: bytes.count)
            return Int(bitPattern: buffer)
        }

        for (i, kind) in call.arguments.enumerated() {
            let value = a[i]
            switch kind {
            case .value: host[i] = Int(bitPattern: UInt(value))
            case .omitted: host[i] = 0
            case .path, .string, .optionalPath:
                if case .optionalPath = kind, value == 0 { continue }
                guard let p = stringArgument(value, lookUp: { if case .string = kind { return false }; return true }()) else { return LinuxKernel.efault }
                host[i] = p
            case let .input(n), let .inputOutput(n):
                guard value != 0 else { continue }
                let count = length(n)
                let buffer = hostBuffer(count)
                guard let bytes = memory.read(value, count: count) else { return LinuxKernel.efault }
                // SAFETY: `memory.read` answered exactly `count` bytes, the buffer's size.
                buffer.copyMemory(from: bytes, byteCount: count)
                host[i] = Int(bitPattern: buffer)
                if case .inputOutput = kind { copyOut.append((value, buffer, count, nil, nil)) }
            case let .output(n):
                guard value != 0 else { continue }
                let count = length(n)
                guard memory.withHostPieces(value, count: count, write: true, { _, _ in true }) else { return LinuxKernel.efault }
                let buffer = hostBuffer(count)
                host[i] = Int(bitPattern: buffer)
                copyOut.append((value, buffer, count, nil, nil))
            case let .sizedBy(lengthPointer):
                guard value != 0, a[lengthPointer] != 0 else { continue }
                // Read once: another thread may change it; the host is told this value (below).
                guard let field = memory.read(a[lengthPointer], count: 4) else { return LinuxKernel.efault }
                let capacity = Int(min(UInt32(field[0]) | UInt32(field[1]) << 8 | UInt32(field[2]) << 16 | UInt32(field[3]) << 24, 1 << 16))
                guard memory.withHostPieces(value, count: capacity, write: true, { _, _ in true }) else { return LinuxKernel.efault }
                let buffer = hostBuffer(capacity)
                host[i] = Int(bitPattern: buffer)
                copyOut.append((value, buffer, capacity, nil, lengthPointer))
            case let .counted(lengthArgument, scale):
                guard value != 0 else { continue }
                let bound = Int(min(a[lengthArgument], LinuxKernel.maximumBuffer))
                bounded.append((lengthArgument, bound))
                let count = bound * scale
                let buffer = hostBuffer(count)
                host[i] = Int(bitPattern: buffer)
                copyOut.append((value, buffer, count, scale, nil))
            }
        }
        for (argument, value) in bounded where call.arguments.indices.contains(argument) {
            if case .value = call.arguments[argument] { host[argument] = value }
        }
        // The host sees each socklen_t as the buffer it bounds was sized.
        for out in copyOut {
            guard let lengthFrom = out.lengthFrom else { continue }
            // SAFETY: argument `lengthFrom` is the 4-byte inputOutput buffer the table pairs with sizedBy, allocated above.
            UnsafeMutableRawPointer(bitPattern: host[lengthFrom])?.storeBytes(of: UInt32(out.count), as: UInt32.self)
        }
        let result = HostSystemCall.invoke(call.hostNumber, host[0], host[1], host[2], host[3], host[4], host[5])
        guard result >= 0 else { return result }
        for out in copyOut {
            var count = out.scale.map { min(result * $0, out.count) } ?? out.count
            if let lengthFrom = out.lengthFrom, host[lengthFrom] != 0 {
                // SAFETY: argument `lengthFrom` is an inputOutput buffer of 4 bytes (the table says so), allocated above.
                let written = UnsafeRawPointer(bitPattern: host[lengthFrom])?.loadUnaligned(as: UInt32.self) ?? 0
                count = min(count, Int(written))
            }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: out.buffer, count: count))
            guard memory.write(bytes, at: out.address) else { return LinuxKernel.efault }
        }
        return result
    }
}
