#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory listings and file times, for the layers above that must not call the C library.
public enum HostDirectory {
    /// The names in a directory (without "." and ".."); empty when it cannot be read.
    public static func entries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            // SAFETY: `entry` is valid until the next readdir; d_name is copied, and the prefix stops at
            // its NUL or at the end of its 256 bytes.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Seconds since the epoch of the last modification, or nil when the file cannot be examined.
    public static func modificationTime(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Glibc)
        return Int(st.st_mtim.tv_sec)
        #else
        return Int(st.st_mtimespec.tv_sec)
        #endif
    }

    /// Makes a directory; fails (naming it) if it exists.
    public static func create(_ path: String, mode: UInt32 = 0o755) throws {
        guard mkdir(path, mode_t(mode)) == 0 else { throw HostError.io(operation: "mkdir", path: path, errno: errno) }
    }

    /// Removes an empty directory (undoing a half-made one).
    public static func remove(_ path: String) {
        _ = rmdir(path)
    }

    /// Removes a directory and everything in it (a half-made VM bundle), without
    /// following symbolic links out of it.
    public static func removeTree(_ path: String) {
        for name in entries(path) {
            let child = path + "/" + name
            var st = stat()
            if lstat(child, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                removeTree(child)
            } else {
                _ = unlink(child)
            }
        }
        _ = rmdir(path)
    }

    /// The process's working directory.
    public static var current: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(cString: buffer)
    }
}
