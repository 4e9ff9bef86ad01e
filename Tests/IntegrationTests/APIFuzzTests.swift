import Foundation
import Testing

/// The control API fuzzed from its own document, as a hostile client would: schemathesis
/// (pinned in requirements.txt) with all of its checks and all four phases, the
/// stateful one following the document's links from a created VM to its operations,
/// against a real `isola serve`, bridged from TCP to the API's socket by socat.
/// `ISOLA_FUZZ_EXAMPLES` (default 25) and `ISOLA_FUZZ_SEED` (default 1) widen or move it.
@Suite(.serialized) struct APIFuzzTests {
    @Test func schemathesisFindsNothing() throws {
        let python = try Self.pythonEnvironment()
        let hv = try HypervisorHarness(arguments: ["--shutdown-timeout", "1"])
        defer { hv.close() }
        let port = try Self.freePort()
        let bridge = Process()
        bridge.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        bridge.arguments = ["TCP-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork", "UNIX-CONNECT:\(hv.socket)"]
        try bridge.run()
        // SIGKILL: socat inherits the test runner's blocked signals, SIGTERM among them.
        defer { kill(bridge.processIdentifier, SIGKILL); bridge.waitUntilExit() }
        let environment = ProcessInfo.processInfo.environment
        let root = GuestRunner.repositoryRoot.path
        let fuzzer = Process()
        fuzzer.executableURL = URL(fileURLWithPath: python + "/bin/schemathesis")
        // Its cache (.schemathesis/) goes into the test's state directory, not the repository.
        fuzzer.currentDirectoryURL = URL(fileURLWithPath: hv.directory)
        fuzzer.arguments = [
            "--config-file", root + "/Tests/APIFuzz/schemathesis.toml",
            "run", root + "/docs/api/openapi.yaml", "--url", "http://127.0.0.1:\(port)",
            "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--workers", "1",
            "--max-examples", environment["ISOLA_FUZZ_EXAMPLES"] ?? "25", "--seed", environment["ISOLA_FUZZ_SEED"] ?? "1",
            "--request-timeout", "60", "--wait-for-schema", "5",
        ]
        var env = environment
        let image = try LinuxBootTests.image()
        env["ISOLA_FUZZ_KERNEL"] = image.kernel
        env["ISOLA_FUZZ_INITRD"] = image.initramfs
        env["NO_COLOR"] = "1"
        env["SCHEMATHESIS_TELEMETRY"] = "false"
        fuzzer.environment = env
        let output = Pipe()
        fuzzer.standardOutput = output
        fuzzer.standardError = output
        // Wait until the bridge answers before the fuzzer starts.
        let deadline = Date().addingTimeInterval(10)
        while !Self.answers(port: port) {
            try #require(Date() < deadline, "socat does not listen on \(port)")
            usleep(20_000)
        }
        try fuzzer.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        fuzzer.waitUntilExit()
        let report = text.range(of: "FAILURES").map { String(text[$0.lowerBound...]) } ?? String(text.suffix(6000))
        #expect(fuzzer.terminationStatus == 0, "schemathesis found failures:\n\(report.prefix(12000))")
        #expect(text.contains("Stateful"), "no stateful phase ran:\n\(text.suffix(2000))")
        // The stateful phase created VMs and followed the document's links from them.
        let links = text.firstMatch(of: /API Links: +([0-9]+) covered/).flatMap { Int($0.1) } ?? 0
        #expect(links >= 5, "the stateful phase followed \(links) links:\n\(text.suffix(2000))")
    }

    /// The pinned Python environment (scripts/python-env.sh makes it once).
    static func pythonEnvironment() throws -> String {
        let script = GuestRunner.repositoryRoot.appendingPathComponent("scripts/python-env.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let path = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0 && FileManager.default.isExecutableFile(atPath: path + "/bin/schemathesis"),
                     "no schemathesis environment; run scripts/setup.sh")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/socat"), "no socat; run scripts/setup.sh")
        return path
    }

    /// A loopback TCP port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        // SAFETY: `address` is a sockaddr_in on the stack, viewed as the sockaddr bind and
        // getsockname take, with its true size.
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound, "cannot bind a loopback port")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: port)
        // SAFETY: as in freePort: a sockaddr_in on the stack, with its true size.
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// 127.0.0.1:`port` (0: any free port).
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
