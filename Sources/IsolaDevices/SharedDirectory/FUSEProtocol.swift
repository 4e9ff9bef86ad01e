/// The FUSE protocol as virtio-fs carries it (virtio 1.2, 5.11; Linux's
/// `include/uapi/linux/fuse.h`): every request starts with `fuse_in_header`, every
/// reply with `fuse_out_header`, and the structures between are little-endian and
/// packed as the kernel declares them.
public enum FUSEOpcode: UInt32, Sendable {
    case lookup = 1, forget = 2, getattr = 3, setattr = 4, readlink = 5, symlink = 6, mknod = 8, mkdir = 9
    case unlink = 10, rmdir = 11, rename = 12, link = 13, open = 14, read = 15, write = 16, statfs = 17
    case release = 18, fsync = 20, setxattr = 21, getxattr = 22, listxattr = 23, removexattr = 24, flush = 25
    case initialize = 26, opendir = 27, readdir = 28, releasedir = 29, fsyncdir = 30, getlk = 31, setlk = 32
    case setlkw = 33, access = 34, create = 35, interrupt = 36, bmap = 37, destroy = 38, ioctl = 39, poll = 40
    case batchForget = 42, fallocate = 43, readdirplus = 44, rename2 = 45, lseek = 46, copyFileRange = 47
    case syncfs = 50, tmpfile = 51

    /// Requests that change the shared directory: a read-only share answers them EROFS.
    public var modifies: Bool {
        switch self {
        case .setattr, .symlink, .mknod, .mkdir, .unlink, .rmdir, .rename, .rename2, .link, .write, .create,
             .setxattr, .removexattr, .fallocate, .copyFileRange, .tmpfile:
            return true
        default:
            return false
        }
    }
}

/// Protocol constants the server uses.
public enum FUSE {
    public static let majorVersion: UInt32 = 7
    /// The minor version the server speaks: the layouts below are 7.31's, which every
    /// kernel with virtio-fs (5.4 on) understands.
    public static let minorVersion: UInt32 = 31
    public static let rootNodeID: UInt64 = 1
    public static let inHeaderSize = 40, outHeaderSize = 16
    /// The largest READ or WRITE the server offers (FUSE_MAX_PAGES pages of 4 KiB).
    public static let maxPages: UInt16 = 256
    public static let maxTransfer = Int(maxPages) * 4096

    // fuse_init flags the server accepts when the kernel offers them.
    static let asyncRead: UInt32 = 1 << 0, atomicOpenTruncate: UInt32 = 1 << 3, bigWrites: UInt32 = 1 << 5
    static let parallelDirectoryOperations: UInt32 = 1 << 18, maxPagesFlag: UInt32 = 1 << 22
    static let cacheSymlinks: UInt32 = 1 << 23

    // fuse_setattr_in.valid
    static let setMode: UInt32 = 1 << 0, setUID: UInt32 = 1 << 1, setGID: UInt32 = 1 << 2, setSize: UInt32 = 1 << 3
    static let setAccessTime: UInt32 = 1 << 4, setModificationTime: UInt32 = 1 << 5, setHandle: UInt32 = 1 << 6
    static let setAccessTimeNow: UInt32 = 1 << 7, setModificationTimeNow: UInt32 = 1 << 8

    /// How long the guest may cache names and attributes before asking again, in
    /// seconds: short, so that what the host changes shows within a second.
    static let cacheSeconds: UInt64 = 1
}

/// The name a guest mounts a shared directory by (`mount -t virtiofs TAG DIR`).
public enum SharedDirectoryTag {
    /// Why `tag` cannot be one, or nil: 1 to 36 bytes (the config space's field), and
    /// no NUL, ',' or ':' (the `--share` syntax's separators).
    public static func problem(_ tag: String) -> String? {
        (1...36).contains(tag.utf8.count) && !tag.utf8.contains(0) && !tag.contains(",") && !tag.contains(":")
            ? nil : "tag '\(tag)' must be 1 to 36 bytes, without NUL, ',' or ':'"
    }
}

/// `fuse_in_header`.
public struct FUSEInHeader: Sendable, Equatable {
    public var length: UInt32, opcode: UInt32, unique: UInt64, nodeID: UInt64
    public var userID: UInt32, groupID: UInt32, processID: UInt32

    public init(length: UInt32, opcode: UInt32, unique: UInt64, nodeID: UInt64, userID: UInt32 = 0, groupID: UInt32 = 0, processID: UInt32 = 0) {
        (self.length, self.opcode, self.unique, self.nodeID) = (length, opcode, unique, nodeID)
        (self.userID, self.groupID, self.processID) = (userID, groupID, processID)
    }

    init(_ reader: inout FUSEReader) throws(FUSEReader.Short) {
        length = try reader.u32(); opcode = try reader.u32(); unique = try reader.u64(); nodeID = try reader.u64()
        userID = try reader.u32(); groupID = try reader.u32(); processID = try reader.u32()
        _ = try reader.u32()  // total_extlen and padding
    }

    public var encoded: [UInt8] {
        var w = FUSEWriter()
        w.u32(length); w.u32(opcode); w.u64(unique); w.u64(nodeID); w.u32(userID); w.u32(groupID); w.u32(processID); w.u32(0)
        return w.bytes
    }
}

/// Reads a request's little-endian fields, failing (EINVAL to the guest) when it is short.
public struct FUSEReader {
    public struct Short: Error {}
    let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(Short) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw Short() }
        var v: T = 0
        for i in 0..<size { v |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        offset += size
        return v
    }

    mutating func u16() throws(Short) -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws(Short) -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws(Short) -> UInt64 { try integer(UInt64.self) }
    mutating func skip(_ count: Int) throws(Short) {
        guard offset + count <= bytes.count else { throw Short() }
        offset += count
    }

    /// A NUL-terminated name (the NUL is required, as the kernel always sends it).
    mutating func name() throws(Short) -> [UInt8] {
        guard let end = bytes[offset...].firstIndex(of: 0) else { throw Short() }
        defer { offset = end + 1 }
        return Array(bytes[offset..<end])
    }
}

/// Builds a reply's little-endian fields.
public struct FUSEWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    mutating func integer<T: FixedWidthInteger>(_ v: T) {
        for i in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
    mutating func u16(_ v: UInt16) { integer(v) }
    mutating func u32(_ v: UInt32) { integer(v) }
    mutating func u64(_ v: UInt64) { integer(v) }
    mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }
    mutating func append(_ more: [UInt8]) { bytes += more }
}
