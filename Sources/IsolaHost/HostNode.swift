#if canImport(Glibc)
import CIsolaHost
import Glibc

/// An errno from a host call, as a shared-directory server hands it to its guest.
public struct HostErrno: Error, Equatable, Sendable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }

    public static let notPermitted = HostErrno(EPERM), noEntry = HostErrno(ENOENT), invalid = HostErrno(EINVAL)
    public static let readOnly = HostErrno(EROFS), tooLong = HostErrno(ENAMETOOLONG), stale = HostErrno(ESTALE)
    public static let badHandle = HostErrno(EBADF), notSupported = HostErrno(EOPNOTSUPP), loop = HostErrno(ELOOP)
    public static let notImplemented = HostErrno(ENOSYS), protocolError = HostErrno(EPROTO), notDirectory = HostErrno(ENOTDIR)

    static var last: HostErrno { HostErrno(errno) }
}

/// The host's open flags a shared-directory server passes on (translated from the guest's).
public enum HostOpenFlag {
    public static let truncate = O_TRUNC, append = O_APPEND, dataSync = O_DSYNC, sync = O_SYNC
    public static let directory = O_DIRECTORY | O_RDONLY
}

/// The attributes of a host file, as `fstatat` reports them.
public struct HostNodeStatus: Equatable, Sendable {
    public var device: UInt64, inode: UInt64, mode: UInt32, linkCount: UInt32
    public var userID: UInt32, groupID: UInt32, specialDevice: UInt64
    public var size: UInt64, blocks: UInt64, blockSize: UInt32
    public var accessTime: (seconds: Int64, nanoseconds: UInt32)
    public var modificationTime: (seconds: Int64, nanoseconds: UInt32)
    public var changeTime: (seconds: Int64, nanoseconds: UInt32)

    public static let typeMask: UInt32 = 0o170000, directory: UInt32 = 0o040000, regular: UInt32 = 0o100000
    public static let symbolicLink: UInt32 = 0o120000, fifo: UInt32 = 0o010000, socket: UInt32 = 0o140000

    public var type: UInt32 { mode & HostNodeStatus.typeMask }
    public var isDirectory: Bool { type == HostNodeStatus.directory }
    public var isSymbolicLink: Bool { type == HostNodeStatus.symbolicLink }

    init(_ st: stat) {
        device = UInt64(st.st_dev); inode = UInt64(st.st_ino); mode = UInt32(st.st_mode); linkCount = UInt32(truncatingIfNeeded: st.st_nlink)
        userID = st.st_uid; groupID = st.st_gid; specialDevice = UInt64(st.st_rdev)
        size = UInt64(max(0, st.st_size)); blocks = UInt64(max(0, st.st_blocks)); blockSize = UInt32(truncatingIfNeeded: st.st_blksize)
        accessTime = (Int64(st.st_atim.tv_sec), UInt32(truncatingIfNeeded: st.st_atim.tv_nsec))
        modificationTime = (Int64(st.st_mtim.tv_sec), UInt32(truncatingIfNeeded: st.st_mtim.tv_nsec))
        changeTime = (Int64(st.st_ctim.tv_sec), UInt32(truncatingIfNeeded: st.st_ctim.tv_nsec))
    }

    public static func == (a: HostNodeStatus, b: HostNodeStatus) -> Bool {
        a.device == b.device && a.inode == b.inode && a.mode == b.mode && a.size == b.size
    }
}

/// A file system statistics report (`fstatvfs`).
public struct HostFileSystemStatus: Sendable {
    public var blocks: UInt64, freeBlocks: UInt64, availableBlocks: UInt64, files: UInt64, freeFiles: UInt64
    public var blockSize: UInt32, fragmentSize: UInt32, nameLength: UInt32
}

/// One host file system object held open by `O_PATH`: a directory, file or symbolic
/// link of a shared directory, named by its descriptor and never by a path.
///
/// Why descriptors: every operation names at most one new path component, relative
/// to a node the server already holds, and never follows a symbolic link on the host
/// (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`). A guest that plants `link -> /etc` sees a
/// symbolic link it can read; the host never walks it, and `..` is refused as a name,
/// so nothing reachable through a node lies outside the shared directory.
public final class HostNode {
    /// Linux's values for flags Swift's Glibc module leaves out (the same on every
    /// architecture Linux has: they come from asm-generic).
    static let pathOnly: Int32 = 0o10000000, emptyPath: Int32 = 0x1000
    public static let timeNow = (1 << 30) - 1, timeOmit = (1 << 30) - 2

    /// The `O_PATH` descriptor; closed when the node goes.
    public let descriptor: Int32
    /// The type bits of its mode (an inode's type never changes).
    public let type: UInt32

    private init(descriptor: Int32, type: UInt32) {
        self.descriptor = descriptor
        self.type = type
    }

    deinit { close(descriptor) }

    public var isDirectory: Bool { type == HostNodeStatus.directory }
    public var isSymbolicLink: Bool { type == HostNodeStatus.symbolicLink }

    /// The magic link through which the node's file is reopened for I/O. Opening it
    /// never follows a symbolic link: the kernel answers ELOOP for a link's node.
    private var procPath: String { "/proc/self/fd/\(descriptor)" }

    /// Opens the root of a shared directory (it may be reached through symbolic links:
    /// the host's user named it).
    public static func openRoot(_ path: String) throws(HostError) -> HostNode {
        let fd = openat(AT_FDCWD, path, HostNode.pathOnly | O_DIRECTORY | O_CLOEXEC, 0)
        guard fd >= 0 else { throw .io(operation: "open shared directory", path: path, errno: errno) }
        return HostNode(descriptor: fd, type: HostNodeStatus.directory)
    }

    /// A single path component as the host accepts it: not empty, no `/` or NUL, not `.` or `..`.
    public static func checkName(_ name: [UInt8]) throws(HostErrno) {
        guard !name.isEmpty, name != [0x2E], name != [0x2E, 0x2E], !name.contains(0x2F), !name.contains(0) else {
            throw .invalid
        }
        guard name.count <= 255 else { throw .tooLong }
    }

    /// Calls `body` with `name` as a C string, once it passed `checkName`.
    private func withName<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) throws(HostErrno) -> T {
        try HostNode.checkName(name)
        // SAFETY: the buffer is the name plus a NUL, alive for the call.
        return (name + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress.unsafelyUnwrapped) } }
    }

    /// The child `name` of this directory, without following it if it is a link.
    public func lookup(_ name: [UInt8]) throws(HostErrno) -> (HostNode, HostNodeStatus) {
        guard isDirectory else { throw HostErrno.notDirectory }
        let fd = try withName(name) { openat(descriptor, $0, HostNode.pathOnly | O_NOFOLLOW | O_CLOEXEC, 0) }
        guard fd >= 0 else { throw .last }
        var st = stat()
        guard fstatat(fd, "", &st, HostNode.emptyPath | AT_SYMLINK_NOFOLLOW) == 0 else {
            let error = HostErrno.last
            close(fd)
            throw error
        }
        let status = HostNodeStatus(st)
        return (HostNode(descriptor: fd, type: status.type), status)
    }

    public func status() throws(HostErrno) -> HostNodeStatus {
        var st = stat()
        guard fstatat(descriptor, "", &st, HostNode.emptyPath | AT_SYMLINK_NOFOLLOW) == 0 else { throw .last }
        return HostNodeStatus(st)
    }

    public func fileSystemStatus() throws(HostErrno) -> HostFileSystemStatus {
        var sv = statvfs()
        guard fstatvfs(descriptor, &sv) == 0 else { throw .last }
        return HostFileSystemStatus(blocks: UInt64(sv.f_blocks), freeBlocks: UInt64(sv.f_bfree), availableBlocks: UInt64(sv.f_bavail),
                                    files: UInt64(sv.f_files), freeFiles: UInt64(sv.f_ffree), blockSize: UInt32(truncatingIfNeeded: sv.f_bsize),
                                    fragmentSize: UInt32(truncatingIfNeeded: sv.f_frsize), nameLength: UInt32(truncatingIfNeeded: sv.f_namemax))
    }

    /// Where the node is now, as the host names it (for a snapshot, which must reopen it).
    public func currentPath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(procPath, &buffer, 4096)
        guard n > 0 else { return nil }
        buffer[n] = 0
        return String(cString: buffer)
    }

    /// Reopens the node relative to `root` by the path components `path`, following no link.
    public static func reopen(_ components: [[UInt8]], from root: HostNode) throws(HostErrno) -> HostNode {
        var node = root
        for component in components { node = try node.lookup(component).0 }
        return node
    }

    // MARK: Changes (the caller refuses them on a read-only share)

    public func makeDirectory(_ name: [UInt8], mode: UInt32) throws(HostErrno) {
        guard try withName(name, { mkdirat(descriptor, $0, mode_t(mode & 0o7777)) }) == 0 else { throw .last }
    }

    /// Regular files, FIFOs and sockets; device nodes are refused (EPERM): a guest must
    /// not be able to leave the host a node for one of its disks.
    public func makeNode(_ name: [UInt8], mode: UInt32) throws(HostErrno) {
        let kind = mode & HostNodeStatus.typeMask
        guard kind == HostNodeStatus.regular || kind == HostNodeStatus.fifo || kind == HostNodeStatus.socket || kind == 0 else {
            throw .notPermitted
        }
        guard try withName(name, { mknodat(descriptor, $0, mode_t(mode), 0) }) == 0 else { throw .last }
    }

    /// A symbolic link holding `target` as given: the guest resolves it, the host never does.
    public func makeSymbolicLink(_ name: [UInt8], target: [UInt8]) throws(HostErrno) {
        guard !target.isEmpty, target.count < 4096, !target.contains(0) else { throw .invalid }
        // SAFETY: the target plus a NUL, alive for the call.
        let result = try withName(name) { n in
            (target + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { symlinkat($0.baseAddress.unsafelyUnwrapped, descriptor, n) } }
        }
        guard result == 0 else { throw .last }
    }

    /// A new hard link `name` in this directory to `node`.
    public func makeLink(_ name: [UInt8], to node: HostNode) throws(HostErrno) {
        guard !node.isDirectory else { throw .notPermitted }
        guard try withName(name, { linkat(AT_FDCWD, node.procPath, descriptor, $0, AT_SYMLINK_FOLLOW) }) == 0 else { throw .last }
    }

    public func remove(_ name: [UInt8], directory: Bool) throws(HostErrno) {
        guard try withName(name, { unlinkat(descriptor, $0, directory ? AT_REMOVEDIR : 0) }) == 0 else { throw .last }
    }

    /// renameat2(2): `flags` RENAME_NOREPLACE (1) and RENAME_EXCHANGE (2) as Linux defines them.
    public func rename(_ name: [UInt8], to newParent: HostNode, as newName: [UInt8], flags: UInt32) throws(HostErrno) {
        guard flags & ~3 == 0 else { throw .invalid }
        let result = try withName(name) { old in
            try? newParent.withName(newName) { new in isola_renameat2(descriptor, old, newParent.descriptor, new, flags) }
        }
        guard let result else { throw .invalid }
        guard result == 0 else { throw .last }
    }

    /// Sets the owner of the child `name` (after the server made it for a guest user).
    public func setOwner(of name: [UInt8], userID: UInt32, groupID: UInt32) throws(HostErrno) {
        guard try withName(name, { fchownat(descriptor, $0, userID, groupID, AT_SYMLINK_NOFOLLOW) }) == 0 else { throw .last }
    }

    public func setOwner(userID: UInt32?, groupID: UInt32?) throws(HostErrno) {
        guard fchownat(descriptor, "", userID ?? UInt32.max, groupID ?? UInt32.max, HostNode.emptyPath | AT_SYMLINK_NOFOLLOW) == 0 else { throw .last }
    }

    /// A link has no mode of its own on Linux: refused, as `fchmodat(AT_SYMLINK_NOFOLLOW)` refuses it.
    public func setMode(_ mode: UInt32) throws(HostErrno) {
        guard !isSymbolicLink else { throw .notSupported }
        guard chmod(procPath, mode_t(mode & 0o7777)) == 0 else { throw .last }
    }

    /// Times as (seconds, nanoseconds); `timeNow` or `timeOmit` in nanoseconds mean now and unchanged.
    public func setTimes(access: (Int64, Int), modification: (Int64, Int)) throws(HostErrno) {
        var times = [timespec(tv_sec: Int(access.0), tv_nsec: access.1), timespec(tv_sec: Int(modification.0), tv_nsec: modification.1)]
        guard utimensat(descriptor, "", &times, HostNode.emptyPath | AT_SYMLINK_NOFOLLOW) == 0 else { throw .last }
    }

    public func truncate(to size: UInt64) throws(HostErrno) {
        let file = try open(flags: O_WRONLY)
        guard ftruncate(file.descriptor, off_t(clamping: size)) == 0 else { throw .last }
    }

    public func readLink() throws(HostErrno) -> [UInt8] {
        guard isSymbolicLink else { throw .invalid }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // SAFETY: readlinkat writes at most 4096 bytes into the 4096-byte buffer.
        let n = buffer.withUnsafeMutableBytes { b in
            b.baseAddress.map { readlinkat(descriptor, "", $0.assumingMemoryBound(to: CChar.self), 4096) } ?? -1
        }
        guard n >= 0 else { throw .last }
        return Array(buffer.prefix(n))
    }

    // MARK: Open files

    /// Opens the node's file for I/O; `O_CREAT`, `O_EXCL` and `O_NOCTTY` are dropped (it exists).
    public func open(flags: Int32) throws(HostErrno) -> HostOpenFile {
        guard !isSymbolicLink else { throw .loop }
        let fd = Glibc.open(procPath, (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC)
        guard fd >= 0 else { throw .last }
        return HostOpenFile(descriptor: fd)
    }

    /// Creates and opens the regular file `name` (failing if `exclusive` and it exists).
    public func create(_ name: [UInt8], flags: Int32, mode: UInt32) throws(HostErrno) -> HostOpenFile {
        let fd = try withName(name) { openat(descriptor, $0, (flags & ~O_NOCTTY) | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode_t(mode & 0o7777)) }
        guard fd >= 0 else { throw .last }
        return HostOpenFile(descriptor: fd)
    }
}

/// A host file or directory open for I/O (a guest's file handle).
public final class HostOpenFile {
    public let descriptor: Int32
    /// Where the next directory read starts (a guest's READDIR offset).
    var directoryOffset: Int64 = 0

    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit { close(descriptor) }

    /// One preadv: what it read (short at the end of the file), at most 1024 buffers.
    public func read(into segments: [IOSegment], at offset: UInt64) throws(HostErrno) -> Int {
        try vectored(segments) { preadv(descriptor, $0, $1, off_t(clamping: offset)) }
    }

    /// One pwritev: what it wrote.
    public func write(from segments: [IOSegment], at offset: UInt64) throws(HostErrno) -> Int {
        try vectored(segments) { pwritev(descriptor, $0, $1, off_t(clamping: offset)) }
    }

    private func vectored(_ segments: [IOSegment], _ call: (UnsafePointer<iovec>, Int32) -> Int) throws(HostErrno) -> Int {
        guard segments.count <= 1024 else { throw .invalid }
        let vectors = segments.map { iovec(iov_base: $0.base, iov_len: $0.count) }
        var n: Int
        repeat {
            // SAFETY: the vectors point at the caller's buffers and live for the call; none: nothing moves.
            n = vectors.withUnsafeBufferPointer { v in v.baseAddress.map { call($0, Int32(v.count)) } ?? 0 }
        } while n < 0 && errno == EINTR
        guard n >= 0 else { throw .last }
        return n
    }

    public func synchronize(dataOnly: Bool) throws(HostErrno) {
        guard (dataOnly ? fdatasync(descriptor) : fsync(descriptor)) == 0 else { throw .last }
    }

    public func truncate(to size: UInt64) throws(HostErrno) {
        guard ftruncate(descriptor, off_t(clamping: size)) == 0 else { throw .last }
    }

    public func seek(_ offset: Int64, whence: Int32) throws(HostErrno) -> Int64 {
        let result = lseek(descriptor, off_t(offset), whence)
        guard result >= 0 else { throw .last }
        return Int64(result)
    }

    public func allocate(mode: Int32, offset: UInt64, length: UInt64) throws(HostErrno) {
        guard isola_fallocate(descriptor, mode, Int64(clamping: offset), Int64(clamping: length)) == 0 else { throw .last }
    }

    /// One directory entry as getdents64 reports it; `next` is the offset after it.
    public struct DirectoryEntry {
        public let inode: UInt64, next: Int64, type: UInt8, name: [UInt8]
    }

    /// Entries from `offset` on, at most about `limit` bytes of them (the caller packs them).
    public func readDirectory(from offset: Int64, limit: Int) throws(HostErrno) -> [DirectoryEntry] {
        if offset != directoryOffset {
            guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else { throw .last }
            directoryOffset = offset
        }
        var buffer = [UInt8](repeating: 0, count: max(4096, min(limit * 2, 1 << 20)))
        // SAFETY: getdents64 writes at most buffer.count bytes into the buffer.
        let n = buffer.withUnsafeMutableBytes { isola_getdents64(descriptor, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw .last }
        var entries: [DirectoryEntry] = []
        var at = 0
        // struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name (NUL-terminated).
        while at + 19 <= n {
            func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
                var v: T = 0
                for i in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: buffer[at + offset + i]) << (8 * i) }
                return v
            }
            let length = Int(integer(16, UInt16.self))
            guard length >= 19, at + length <= n else { break }
            let name = Array(buffer[(at + 19)..<(at + length)].prefix { $0 != 0 })
            entries.append(DirectoryEntry(inode: integer(0, UInt64.self), next: integer(8, Int64.self), type: buffer[at + 18], name: name))
            at += length
        }
        if let last = entries.last { directoryOffset = last.next }
        return entries
    }

    /// Sets the position a later `readDirectory` continues from (after a short reply).
    public func rewindDirectory(to offset: Int64) { directoryOffset = offset; _ = lseek(descriptor, off_t(offset), SEEK_SET) }
}
#endif
