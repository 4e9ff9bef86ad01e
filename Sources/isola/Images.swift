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
            abstract: "Build the default Linux guest from Debian's packages (Guests/linux/build.sh).",
            discussion: "The first build takes a few minutes; later ones reuse the cache when the inputs are unchanged."
        )

        func run() throws {
            guard let script = Images.findScript("Guests/linux/build.sh") else {
                HostOutput.standardError.write("isola: cannot find Guests/linux/build.sh; run from the source tree or set ISOLA_SOURCE\n")
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
