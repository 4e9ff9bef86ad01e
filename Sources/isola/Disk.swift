import ArgumentParser
import IsolaCore
import IsolaDevices
import IsolaHost

struct Disk: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and inspect disk images (raw, or qcow2 copy-on-write overlays).",
        subcommands: [Create.self, Info.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a disk image; with --backing, a qcow2 overlay whose unwritten clusters read from the base.",
            discussion: """
                A relative --backing path is relative to the new image's directory (as in qemu-img). \
                The base is only ever opened read-only, so many overlays can share it. \
                The new file must not exist.
                """
        )

        @Option(name: .long, help: "Virtual size (e.g. 8G); defaults to the backing file's size.")
        var size: String?

        @Option(name: .long, help: "The read-only base image of a qcow2 overlay.")
        var backing: String?

        @Option(name: .long, help: ArgumentHelp("The base's format (probed when omitted).", valueName: "raw|qcow2"))
        var backingFormat: String?

        @Option(name: .long, help: ArgumentHelp("The new image's format.", valueName: "qcow2|raw"))
        var format: String = "qcow2"

        @Argument(help: "The image file to create.")
        var path: String

        func run() throws {
            try reportingErrors {
                let bytes = try size.map { try MemorySize.parse($0) }
                guard let kind = DiskImageFormat(rawValue: format) else {
                    throw CoreError.invalidConfiguration(field: "format", reason: "'\(format)': expected qcow2 or raw")
                }
                let baseFormat = try backingFormat.map { name throws -> DiskImageFormat in
                    guard let known = DiskImageFormat(rawValue: name) else {
                        throw CoreError.invalidConfiguration(field: "backing-format", reason: "'\(name)': expected raw or qcow2")
                    }
                    return known
                }
                switch kind {
                case .qcow2:
                    try QCOW2Image.create(path: path, size: bytes, backing: backing, backingFormat: baseFormat)
                case .raw:
                    guard backing == nil else {
                        throw CoreError.invalidConfiguration(field: "backing", reason: "only a qcow2 image can have a backing file")
                    }
                    guard let bytes else { throw CoreError.invalidConfiguration(field: "size", reason: "a raw image needs --size") }
                    let file = try HostBlockFile.create(path: path)
                    do { try file.truncate(to: bytes) } catch {
                        HostBlockFile.remove(path: path)
                        throw error
                    }
                }
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an image's format, virtual size and backing chain.")

        @Argument(help: "The image file.")
        var path: String

        func run() throws {
            try reportingErrors {
                var image = try DiskImageFormat.open(path: path, readOnly: true)
                var name = path
                while true {
                    print("image: \(name)")
                    print("format: \(image is QCOW2Image ? "qcow2" : "raw")")
                    print("virtual size: \(image.byteCount) bytes")
                    guard let overlay = image as? QCOW2Image, let base = overlay.backing, let file = overlay.backingFile else { break }
                    print("backing file: \(file)")
                    image = base
                    name = QCOW2Image.resolve(backing: file, relativeTo: name)
                }
            }
        }
    }
}
