// swift-tools-version:6.1
import PackageDescription

// Isola embedded in a program of its own: depends on the Isola package by path.
let package = Package(
    name: "EmbedLinux",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Isola", path: "../..")],
    targets: [
        .executableTarget(name: "EmbedLinux", dependencies: [.product(name: "IsolaKit", package: "Isola")]),
    ]
)
