import IsolaHost

/// riscv64's `struct stat` (asm-generic/stat.h, 128 bytes), which differs from the host's.
enum RISCVStat {
    static func encode(_ s: HostSystemCall.FileStatus) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 128)
        func put<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
        }
        put(s.device, 0); put(s.inode, 8); put(UInt32(truncatingIfNeeded: s.mode), 16); put(UInt32(truncatingIfNeeded: s.links), 20)
        put(UInt32(truncatingIfNeeded: s.user), 24); put(UInt32(truncatingIfNeeded: s.group), 28); put(s.specialDevice, 32)
        put(s.size, 48); put(Int32(truncatingIfNeeded: s.blockSize), 56); put(s.blocks, 64)
        put(s.accessed.seconds, 72); put(s.accessed.nanoseconds, 80)
        put(s.modified.seconds, 88); put(s.modified.nanoseconds, 96)
        put(s.changed.seconds, 104); put(s.changed.nanoseconds, 112)
        return bytes
    }
}
