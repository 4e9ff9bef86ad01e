#if canImport(Glibc)
import Glibc
#endif
import CIsolaHost

/// The host's system calls as the process VM forwards them: results as the Linux
/// kernel returns them (a value, or minus an errno), buffers as raw pointers into
/// the program's memory that the caller has already checked.
public enum HostSystemCall {
    static func result(_ value: Int) -> Int { value < 0 ? -Int(errno) : value }

    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        result(Glibc.read(fd, buffer, count))
    }

    public static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        result(Glibc.write(fd, buffer, count))
    }

    public static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) -> Int {
        result(Glibc.pread(fd, buffer, count, off_t(offset)))
    }

    public static func pwrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: Int64) -> Int {
        result(Glibc.pwrite(fd, buffer, count, off_t(offset)))
    }

    /// `flags` pass through unchanged: riscv64 and x86_64 Linux share asm-generic's O_* values
    /// (an arm64 host would need O_DIRECTORY and O_NOFOLLOW translated).
    public static func openat(_ directory: Int32, _ path: String, _ flags: Int32, _ mode: UInt32) -> Int {
        result(Int(Glibc.openat(directory, path, flags, mode_t(mode))))
    }

    public static func close(_ fd: Int32) -> Int { result(Int(Glibc.close(fd))) }

    public static func lseek(_ fd: Int32, _ offset: Int64, _ whence: Int32) -> Int {
        result(Int(Glibc.lseek(fd, off_t(offset), whence)))
    }

    public static func dup(_ fd: Int32) -> Int { result(Int(Glibc.dup(fd))) }

    public static func dup3(_ fd: Int32, _ target: Int32, _ flags: Int32) -> Int { result(Int(isola_dup3(fd, target, flags))) }

    public static func pipe2(_ flags: Int32) -> (Int, Int32, Int32) {
        var fds: [Int32] = [0, 0]
        let r = result(Int(isola_pipe2(&fds, flags)))
        return (r, fds[0], fds[1])
    }

    public static func fcntl(_ fd: Int32, _ command: Int32, _ argument: Int) -> Int {
        result(isola_fcntl(fd, command, argument))
    }

    public static func unlinkat(_ directory: Int32, _ path: String, _ flags: Int32) -> Int {
        result(Int(Glibc.unlinkat(directory, path, flags)))
    }

    public static func mkdirat(_ directory: Int32, _ path: String, _ mode: UInt32) -> Int {
        result(Int(Glibc.mkdirat(directory, path, mode_t(mode))))
    }

    public static func renameat(_ from: Int32, _ old: String, _ to: Int32, _ new: String) -> Int {
        result(Int(Glibc.renameat(from, old, to, new)))
    }

    public static func faccessat(_ directory: Int32, _ path: String, _ mode: Int32, _ flags: Int32) -> Int {
        result(Int(Glibc.faccessat(directory, path, mode, flags)))
    }

    public static func readlinkat(_ directory: Int32, _ path: String, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        result(Glibc.readlinkat(directory, path, buffer.assumingMemoryBound(to: CChar.self), count))
    }

    public static func chdir(_ path: String) -> Int { result(Int(Glibc.chdir(path))) }

    public static func getcwd() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard Glibc.getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// getdents64: `linux_dirent64` has the same layout on every Linux architecture.
    public static func getdents64(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        result(isola_getdents64(fd, buffer, count))
    }

    public static func umask(_ mask: UInt32) -> Int { Int(Glibc.umask(mode_t(mask))) }

    public static func isTerminal(_ fd: Int32) -> Bool { Glibc.isatty(fd) == 1 }

    /// What `stat` says of a file, in the fields every architecture's struct stat carries.
    public struct FileStatus {
        public var device, inode, mode, links, user, group, specialDevice, size, blockSize, blocks: UInt64
        public var accessed, modified, changed: (seconds: Int64, nanoseconds: Int64)
    }

    public static func fstatat(_ directory: Int32, _ path: String, _ flags: Int32) -> (Int, FileStatus?) {
        var st = stat()
        let r = result(Int(Glibc.fstatat(directory, path, &st, flags)))
        return (r, r == 0 ? FileStatus(st) : nil)
    }

    public static func fstat(_ fd: Int32) -> (Int, FileStatus?) {
        var st = stat()
        let r = result(Int(Glibc.fstat(fd, &st)))
        return (r, r == 0 ? FileStatus(st) : nil)
    }

    public static func clockTime(_ clock: Int32) -> (Int, Int64, Int64) {
        var ts = timespec()
        let r = result(Int(clock_gettime(clockid_t(clock), &ts)))
        return (r, Int64(ts.tv_sec), Int64(ts.tv_nsec))
    }

    public static func nanosleep(seconds: Int64, nanoseconds: Int64) -> Int {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
        return result(Int(Glibc.nanosleep(&request, nil)))
    }

    public static let processID = Int(getpid())
    public static let parentProcessID = Int(getppid())

    /// errno values (Linux's, the same on every architecture the process VM runs on).
    public static let EPERM = 1, ENOENT = 2, EBADF = 9, ENOMEM = 12, EACCES = 13, EFAULT = 14, EINVAL = 22
    public static let ENOTTY = 25, ERANGE = 34, ENOSYS = 38
}

extension HostSystemCall.FileStatus {
    init(_ st: stat) {
        device = UInt64(st.st_dev); inode = UInt64(st.st_ino); mode = UInt64(st.st_mode); links = UInt64(st.st_nlink)
        user = UInt64(st.st_uid); group = UInt64(st.st_gid); specialDevice = UInt64(st.st_rdev)
        size = UInt64(bitPattern: Int64(st.st_size)); blockSize = UInt64(st.st_blksize); blocks = UInt64(st.st_blocks)
        accessed = (Int64(st.st_atim.tv_sec), Int64(st.st_atim.tv_nsec))
        modified = (Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec))
        changed = (Int64(st.st_ctim.tv_sec), Int64(st.st_ctim.tv_nsec))
    }
}
