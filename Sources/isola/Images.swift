import ArgumentParser
import IsolaHost
import IsolaVMM

struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and list guest images (kernel and initramfs) in $ISOLA_CACHE.",
        subcommands: [Build.self, List.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a guest image from Debian's packages.",
            discussion: """
            default: Isola's own kernel and a BusyBox initramfs (Guests/linux/build.sh), what 'isola run' \
            boots with no kernel. debian: a Debian trixie riscv64 disk (qcow2) with systemd, Debian's \
            kernel and initramfs, apt, a serial login on ttyS0 (user isola, password isola) and \
            extlinux.conf for U-Boot, plus that kernel and initramfs beside it (Guests/debian/build.sh; \
            it boots once in Isola to configure the packages). The first build takes minutes; later ones \
            reuse the cache when the inputs are unchanged.
            """
        )

        @Argument(help: ArgumentHelp("Which image: default or debian.", valueName: "image"))
        var image: String = "default"

        func run() throws {
            let scripts = ["default": "Guests/linux/build.sh", "debian": "Guests/debian/build.sh"]
            guard let relative = scripts[image] else {
                HostOutput.standardError.write("isola: no image '\(image)': expected default or debian\n")
                throw ExitCode(2)
            }
            guard let script = Images.findScript(relative) else {
                HostOutput.standardError.write("isola: cannot find \(relative); run from the source tree or set ISOLA_SOURCE\n")
                throw ExitCode(2)
            }
            throw ExitCode(HostProcess.runScript(script) == 0 ? 0 : 1)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List built guest images.")

        func run() throws {
            let images = GuestImages.list()
            if images.isEmpty {
                print("no images in \(GuestImages.cacheDirectory)/images (run 'isola images build')")
                return
            }
            for (i, image) in images.enumerated() {
                print("\(image.name)\(i == 0 && image.name.hasPrefix("default-") ? "  (default)" : "")")
                print("  kernel     \(image.kernel)")
                print("  initramfs  \(image.initramfs)")
                if let disk = image.disk { print("  disk       \(disk)") }
            }
        }
    }

    /// A file of the source tree: under $ISOLA_SOURCE, or above the executable (.build/<config>/isola).
    static func findScript(_ relative: String) -> String? {
        if let root = HostEnvironment.value("ISOLA_SOURCE") {
            let path = root + "/" + relative
            return HostFile.exists(path) ? path : nil
        }
        var dir = CommandLine.arguments[0]
        if !dir.hasPrefix("/"), let cwd = HostDirectory.current { dir = cwd + "/" + dir }
        for _ in 0..<6 {
            guard let slash = dir.lastIndex(of: "/") else { break }
            dir = String(dir[..<slash])
            let candidate = dir + "/" + relative
            if HostFile.exists(candidate) { return candidate }
        }
        return nil
    }
}
