import IsolaHost

/// A file's status as the host reports it through statx(2), whose `struct statx`
/// is the same on every architecture, re-encoded as riscv64's `struct stat`.
struct HostStatus {
    /// The raw 256-byte `struct statx`.
    let bytes: [UInt8]

    static let statxHostNumber = SystemCallTable.host(291)
    /// STATX_BASIC_STATS.
    static let basicStats = 0x7FF
    static let emptyPath = 0x1000

    static func statx(directory: Int, path: [UInt8], flags: Int) -> (Int, HostStatus) {
        var out = [UInt8](repeating: 0, count: 256)
        // SAFETY: the path is NUL-terminated and `out` is the 256 bytes statx writes; both live
        // through the call, made inside the closures.
        let r = (path + [0]).withUnsafeBufferPointer { p in
            out.withUnsafeMutableBytes { buffer in
                HostSystemCall.invoke(statxHostNumber, directory, Int(bitPattern: p.baseAddress), flags, basicStats,
                                      Int(bitPattern: buffer.baseAddress))
            }
        }
        return (r, HostStatus(bytes: out))
    }

    private func field<T: FixedWidthInteger>(_ offset: Int, _ type: T.Type) -> T {
        // SAFETY: callers read fixed `struct statx` fields, all ending by byte 144 of its 256;
        // loadUnaligned needs no alignment.
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    var mode: UInt16 { field(28, UInt16.self) }
    var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    var inode: UInt64 { field(32, UInt64.self) }
    var size: UInt64 { field(40, UInt64.self) }
    /// The file system's device as /proc/self/maps prints it (major, minor).
    var device: (major: UInt32, minor: UInt32) { (field(136, UInt32.self), field(140, UInt32.self)) }

    /// riscv64's `struct stat` (asm-generic/stat.h, 128 bytes).
    var riscvStat: [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        func put<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
            // SAFETY: the value's own bytes, copied into `out` by the bounds-checked replaceSubrange.
            withUnsafeBytes(of: value.littleEndian) { out.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
        }
        // Linux's new_encode_dev: minor's low byte, major, then minor's upper bits.
        func device(_ majorOffset: Int) -> UInt64 {
            let major = UInt64(field(majorOffset, UInt32.self)), minor = UInt64(field(majorOffset + 4, UInt32.self))
            return (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)
        }
        put(device(136), 0)
        put(field(32, UInt64.self), 8)             // st_ino
        put(UInt32(mode), 16)                      // st_mode
        put(field(16, UInt32.self), 20)            // st_nlink
        put(field(20, UInt32.self), 24)            // st_uid
        put(field(24, UInt32.self), 28)            // st_gid
        put(device(128), 32)                       // st_rdev
        put(field(40, UInt64.self), 48)            // st_size
        put(field(4, UInt32.self), 56)             // st_blksize
        put(field(48, UInt64.self), 64)            // st_blocks
        for (from, to) in [(64, 72), (112, 88), (96, 104)] {  // atime, mtime, ctime
            put(field(from, Int64.self), to)
            put(UInt64(field(from + 8, UInt32.self)), to + 8)
        }
        return out
    }
}
