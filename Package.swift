// swift-tools-version:6.1
import PackageDescription

/// Release builds of the modules on the emulation hot path trade runtime checks
/// for speed (ARCHITECTURE.md, "The hot path"); debug builds keep every check.
let hotPathFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Isola",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "isola", targets: ["isola"]),
        .executable(name: "isola-runtime", targets: ["isola-runtime"]),
        // The one library a Swift program embeds: a VM's configuration and the VM
        // (Examples/EmbedLinux). The modules under it are the package's own.
        .library(name: "IsolaKit", targets: ["IsolaKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        // The control API's HTTP server; without its default traits it needs neither
        // swift-configuration nor the whole of Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The control API's server is generated from docs/api/openapi.yaml
        // (scripts/generate-api.sh); these run the generated code.
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        // The web console's live terminal (isola serve --web).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `swift package generate-documentation` for IsolaKit (make docs; make test runs it).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CIsolaHost"),
        .target(name: "IsolaHost", dependencies: [
            "CIsolaHost",
            .product(name: "Atomics", package: "swift-atomics"),
        ]),
        .target(name: "IsolaCore", dependencies: [
            "IsolaHost",
            .product(name: "Atomics", package: "swift-atomics"),
        ], swiftSettings: hotPathFlags),
        .target(name: "IsolaDevices", dependencies: [
            "IsolaCore", "IsolaHost",
            .product(name: "Atomics", package: "swift-atomics"),
        ]),
        // Host machine code for the translator: an x86-64 assembler (arm64 later).
        .target(name: "IsolaCodegen", swiftSettings: hotPathFlags),
        .target(name: "IsolaRISCV", dependencies: [
            "IsolaCore", "IsolaDevices", "IsolaHost", "IsolaCodegen",
            .product(name: "Atomics", package: "swift-atomics"),
        ], swiftSettings: hotPathFlags),
        .target(name: "IsolaUser", dependencies: ["IsolaRISCV", "IsolaCore", "IsolaHost"], swiftSettings: hotPathFlags),
        .target(name: "IsolaVMM", dependencies: [
            "IsolaRISCV", "IsolaDevices", "IsolaCore", "IsolaHost",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The embedding API: a Sendable configuration, an async VM, nothing of the CLI.
        .target(name: "IsolaKit", dependencies: [
            "IsolaVMM", "IsolaDevices", "IsolaCore", "IsolaHost",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "IsolaHypervisor", dependencies: [
            "IsolaVMM", "IsolaCore", "IsolaHost",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Containers as VMs: the OCI runtime's operations, the worker that is a container.
        .target(name: "IsolaContainer", dependencies: [
            "IsolaVMM", "IsolaRISCV", "IsolaDevices", "IsolaCore", "IsolaHost",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // containerd starts this program three times before a container's first output
        // (create, its worker, start). Linked with the Swift runtime and Foundation inside
        // (the archives -static-stdlib leaves out are named), a start skips the dynamic
        // linker's work on them: a clone's first output came 6-34 ms sooner, measured.
        .executableTarget(name: "isola-runtime", dependencies: [
            "IsolaContainer", "IsolaCore", "IsolaHost",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: [.unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"], .when(platforms: [.linux]))]),
        .executableTarget(name: "isola", dependencies: [
            "IsolaHypervisor", "IsolaVMM", "IsolaRISCV", "IsolaUser", "IsolaCore", "IsolaHost", "IsolaDevices",
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IsolaRISCVTests", dependencies: ["IsolaRISCV", "IsolaCore", "IsolaHost"]),
        .testTarget(name: "IsolaCodegenTests", dependencies: ["IsolaCodegen"]),
        .testTarget(name: "IsolaCoreTests", dependencies: ["IsolaCore", "IsolaHost"]),
        .testTarget(name: "IsolaDevicesTests", dependencies: ["IsolaDevices", "IsolaCore"]),
        .testTarget(name: "IsolaHypervisorTests", dependencies: ["IsolaHypervisor", "IsolaVMM", "IsolaHost"]),
        .testTarget(name: "IsolaHostTests", dependencies: ["IsolaHost", .product(name: "Atomics", package: "swift-atomics")]),
        .testTarget(name: "IsolaVMMTests", dependencies: ["IsolaVMM", "IsolaCore"]),
        .testTarget(name: "IsolaContainerTests", dependencies: ["IsolaContainer", "IsolaHost"]),
        .testTarget(name: "IsolaUserTests", dependencies: ["IsolaUser", "IsolaHost"]),
        .testTarget(name: "IsolaKitTests", dependencies: ["IsolaKit"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "IsolaHypervisor", "IsolaVMM", "IsolaKit", "IsolaRISCV", "IsolaCore", "IsolaHost", "IsolaDevices",
            .product(name: "Atomics", package: "swift-atomics"),
        ]),
    ]
)
