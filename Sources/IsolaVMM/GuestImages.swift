import IsolaHost

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The guest images the project's scripts build into `$ISOLA_CACHE` (default `~/.cache/isola`).
public enum GuestImages {
    public struct Image: Sendable {
        public let name: String
        public let directory: String
        public var kernel: String { directory + "/Image" }
        public var initramfs: String { directory + "/initramfs.cpio.gz" }
    }

    public static var cacheDirectory: String {
        if let dir = getenv("ISOLA_CACHE") { return String(cString: dir) }
        let home = getenv("HOME").map { String(cString: $0) } ?? "/tmp"
        return home + "/.cache/isola"
    }

    /// Built images, newest first.
    public static func list() -> [Image] {
        let root = cacheDirectory + "/images"
        guard let dir = opendir(root) else { return [] }
        defer { closedir(dir) }
        var found: [(Image, Int)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.hasPrefix("."), !name.hasSuffix(".tmp") else { continue }
            let image = Image(name: name, directory: root + "/" + name)
            var st = stat()
            guard HostFile.exists(image.kernel), HostFile.exists(image.initramfs), stat(image.kernel, &st) == 0 else { continue }
            found.append((image, Int(st.st_mtim.tv_sec)))
        }
        return found.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// The image `isola run` boots when given no kernel.
    public static var defaultImage: Image? {
        list().first { $0.name.hasPrefix("default-") }
    }
}
