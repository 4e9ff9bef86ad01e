import Foundation
import IsolaVMM
import Testing

/// `isola snapshot` and `isola restore` as a user runs them: a running VM saved
/// through its monitor socket, a clone that counts on, and one-line errors.
@Suite(.serialized) struct SnapshotCommandTests {
    typealias CLI = CommandLineTests

    /// Starts `isola ARGS` in the background (standard input closed).
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitFor(_ text: String, in file: String, seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: file), String(decoding: data, as: UTF8.self).contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    static func counts(in file: String) -> [Int] {
        SnapshotTests.counts(String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self))
    }

    @Test func snapshotARunningVMAndCloneItFromTheCommandLine() throws {
        let directory = try SnapshotTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try LinuxBootTests.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let bundle = directory + "/vm1.isola"
        let counter = "console=ttyS0 quiet ISOLA_CMD=\"i=0; while true; do i=$((i+1)); echo count=$i; sleep 0.1; done\""
        let created = try CLI.isola(["create", bundle, "--memory", "128M", "--disk", base, "--append", counter])
        #expect(created.status == 0, "\(created.stderr)")

        let notRunning = try CLI.isola(["snapshot", bundle, "s1"])
        CommandLineTests().expectOneLineError(notRunning, mentioning: "is not running")

        let console1 = directory + "/console1"
        let vm = try Self.start(["run", bundle, "--console", "file:" + console1])
        #expect(Self.waitFor("count=10", in: console1), "no counter in \(console1)")
        let twice = try CLI.isola(["run", bundle, "--console", "none"])
        CommandLineTests().expectOneLineError(twice, mentioning: "is already running")
        let saved = try CLI.isola(["snapshot", bundle, "s1", "--stop"])
        #expect(saved.status == 0 && saved.stdout.hasPrefix("saved \(bundle)/snapshots/s1.snap"), "\(saved.stdout) \(saved.stderr)")
        vm.waitUntilExit()
        #expect(vm.terminationStatus == 0)
        let last = Self.counts(in: console1).last ?? 0

        let console2 = directory + "/console2"
        let clone = try Self.start(["restore", bundle + "/snapshots/s1.snap", "--clone", directory + "/c1", "--console", "file:" + console2])
        #expect(Self.waitFor("count=\(last + 5)", in: console2), "the clone did not count on from \(last)")
        let stopped = try CLI.isola(["snapshot", directory + "/c1.isola", "end", "--stop"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        clone.waitUntilExit()
        let seen = Self.counts(in: console2)
        #expect(seen.first == last + 1 || seen.first == last, "counted \(seen.prefix(3)) after a snapshot at \(last)")

        // Bad input: one line each, nothing run.
        CommandLineTests().expectOneLineError(try CLI.isola(["restore", directory + "/missing.snap"]), mentioning: "missing.snap")
        let garbage = try CLI.temporaryFile(Array("garbage".utf8))
        CommandLineTests().expectOneLineError(try CLI.isola(["restore", garbage]), mentioning: "not an Isola snapshot")
        CommandLineTests().expectOneLineError(try CLI.isola(["restore", bundle + "/snapshots/s1.snap", "--clock", "later"]), mentioning: "clock")
        CommandLineTests().expectOneLineError(try CLI.isola(["restore", bundle + "/snapshots/s1.snap", "--clone", directory + "/c1"]), mentioning: "c1.isola")
        let configuration = bundle + "/config.json"
        let text = String(decoding: try #require(FileManager.default.contents(atPath: configuration)), as: UTF8.self)
        try Data(text.replacingOccurrences(of: "\"128M\"", with: "\"256M\"").utf8).write(to: URL(fileURLWithPath: configuration))
        CommandLineTests().expectOneLineError(try CLI.isola(["restore", bundle + "/snapshots/s1.snap"]), mentioning: "memory")
        #expect(!FileManager.default.fileExists(atPath: bundle + "/disk0.qcow2.restoring-0"))
    }
}
