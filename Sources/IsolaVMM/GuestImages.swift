import IsolaHost

/// The guest images the project's scripts build into `$ISOLA_CACHE` (default `~/.cache/isola`).
public enum GuestImages {
    public struct Image: Sendable {
        public let name: String
        public let directory: String
        /// Which guest: the default one (Isola's kernel and a BusyBox initramfs) or a
        /// distribution on a disk with its own kernel and initramfs beside it.
        public var isDistribution: Bool { name.hasPrefix("debian-") }
        public var kernel: String { directory + (isDistribution ? "/vmlinuz" : "/Image") }
        public var initramfs: String { directory + (isDistribution ? "/initrd.img" : "/initramfs.cpio.gz") }
        /// The kernel as an ELF with its symbols, for a debugger (the default image).
        public var symbols: String? { isDistribution ? nil : directory + "/vmlinux" }
        /// The distribution's disk (qcow2), whose first partition is its root.
        public var disk: String? { isDistribution ? directory + "/disk.qcow2" : nil }
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
            guard HostFile.exists(image.initramfs), image.disk.map(HostFile.exists) ?? true,
                  let time = HostDirectory.modificationTime(image.kernel) else { continue }
            found.append((image, time))
        }
        return found.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// The image `isola run` boots when given no kernel.
    public static var defaultImage: Image? {
        list().first { $0.name.hasPrefix("default-") }
    }

    /// The Debian guest `isola images build debian` makes, newest first.
    public static var debianImage: Image? {
        list().first { $0.name.hasPrefix("debian-") }
    }
}
