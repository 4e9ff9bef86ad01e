import Foundation
import IsolaVMM
import Testing

/// `isola exec`: riscv64 Linux programs run as host processes (the process VM).
@Suite struct ProcessVMTests {
    static let programs = GuestRunner.repositoryRoot.appendingPathComponent(".build/user-tests")

    static func exec(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, reason: Process.TerminationReason, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        process.arguments = ["exec"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, String(decoding: data, as: UTF8.self))
    }

    static func program(_ name: String) -> String { programs.appendingPathComponent(name).path }

    @Test func argumentsEnvironmentAuxiliaryVectorAndExitStatus() throws {
        let r = try Self.exec([Self.program("args"), "first", "second arg"], environment: ["ISOLA_TEST_VALUE": "42"])
        #expect(r.output == "ok\n")
        #expect(r.status == 3)
    }

    @Test func filesDirectoriesAndTheHeap() throws {
        let directory = NSTemporaryDirectory() + "isola-exec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try Self.exec([Self.program("fileio"), directory])
        #expect(r.output == "ok\n", "\(r.output)")
        #expect(r.status == 0)
    }

    @Test func aWildPointerIsTheProgramsSIGSEGV() throws {
        let r = try Self.exec([Self.program("segv")])
        #expect(r.output == "before\n")
        #expect(r.reason == .uncaughtSignal && r.status == 11, "status \(r.status)")
    }

    @Test func busyboxAppletsMatchTheHost() throws {
        let busybox = try #require(GuestImages.defaultImage.map { URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        #expect(try Self.exec([busybox, "echo", "hello", "world"]).output == "hello world\n")
        #expect(try Self.exec([busybox, "sort"], input: "pear\napple\nfig\n").output == "apple\nfig\npear\n")
        #expect(try Self.exec([busybox, "sh", "-c", "echo $((6*7)); exit 5"]) == (5, .exit, "42\n"))
        let text = String(repeating: "isola process vm\n", count: 5000)
        let sum = try Self.exec([busybox, "sha256sum"], input: text).output
        let host = try LinuxBootTests.shell("printf '%s' '\(text)' | sha256sum").output
        #expect(sum == host)
        let listing = try Self.exec([busybox, "ls", GuestRunner.repositoryRoot.appendingPathComponent("Guests").path]).output
        #expect(listing.split(separator: "\n").contains("user-tests"), "\(listing)")
    }

    @Test func aMissingOrForeignProgramIsAOneLineError() throws {
        let missing = try CommandLineTests.isola(["exec", "/nonexistent/program"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/program"))
        let foreign = try CommandLineTests.isola(["exec", "/bin/true"])
        #expect(foreign.status == 2 && foreign.stderr.contains("/bin/true"), "\(foreign.stderr)")
    }

    @Test func aDeniedSystemCallFailsWithEPERM() throws {
        let busybox = try #require(GuestImages.defaultImage.map { URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        let allowed = try Self.exec([busybox, "cat", "/etc/hostname"])
        #expect(allowed.status == 0)
        let denied = try Self.exec(["--deny-syscall", "openat", busybox, "cat", "/etc/hostname"])
        #expect(denied.status == 1 && denied.output.contains("Operation not permitted"), "\(denied.output)")
        let unknown = try CommandLineTests.isola(["exec", "--deny-syscall", "frobnicate", busybox, "true"])
        #expect(unknown.status == 2 && unknown.stderr.contains("frobnicate"))
    }
}
