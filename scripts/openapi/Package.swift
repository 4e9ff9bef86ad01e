// swift-tools-version:6.0
// The generator of the control API's server code, kept out of the main package so
// its build (OpenAPIKit, Yams) is paid only when docs/api/openapi.yaml changes:
// scripts/generate-api.sh runs it and the output is committed.
import PackageDescription

let package = Package(
    name: "isola-openapi-generator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
    ]
)
