import IsolaHost

/// The guest images the project's scripts build into `$ISOLA_CACHE` (default `~/.cache/isola`).
public enum GuestImages {
    public struct Image: Sendable {
        public let name: String
        public let directory: String
        public var kernel: String { directory + "/Image" }
        public var initramfs: String { directory + "/initramfs.cpio.gz" }
    }

    public static var cacheDirectory: String {
        HostEnvironment.value("ISOLA_CACHE") ?? (HostEnvironment.value("HOME") ?? "/tmp") + "/.cache/isola"
    }

    /// Built images, newest first.
    public static func list() -> [Image] {
        let root = cacheDirectory + "/images"
        var found: [(Image, Int)] = []
        for name in HostDirectory.entries(root) where !name.hasPrefix(".") && !name.hasSuffix(".tmp") {
            let image = Image(name: name, directory: root + "/" + name)
            guard HostFile.exists(image.initramfs), let time = HostDirectory.modificationTime(image.kernel) else { continue }
            found.append((image, time))
        }
        return found.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// The image `isola run` boots when given no kernel.
    public static var defaultImage: Image? {
        list().first { $0.name.hasPrefix("default-") }
    }
}
