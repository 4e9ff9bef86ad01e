import Dispatch
import Foundation
import IsolaCore
import IsolaRISCV
import IsolaVMM

/// Where the guest programs the test command builds live, and how tests run them.
enum GuestRunner {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let isaTestSources = repositoryRoot.appendingPathComponent("Guests/isa-tests")
    static let isaTestBuild = repositoryRoot.appendingPathComponent(".build/isa-tests")

    /// Every ISA test program, by the names of its sources.
    static var isaTestNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: isaTestSources.path)) ?? []
        return files.filter { $0.hasSuffix(".S") }.map { String($0.dropLast(2)) }.sorted()
    }

    struct Run {
        let outcome: RISCVMachine.Outcome
        let console: String
        let instructions: UInt64
    }

    /// Boots `path` as firmware and runs it to poweroff, or stops it after `timeoutSeconds`.
    static func run(firmware path: String, memory: UInt64 = 128 << 20, harts: Int = 1,
                    engine: ExecutionEngine = .hostDefault, timeoutSeconds: Double = 60) throws -> Run {
        let console = ConsoleOutput(output: .init(fileDescriptor: -1), capture: true)
        var configuration = RISCVMachine.Configuration(memoryInBytes: memory, hartCount: harts)
        configuration.engine = engine
        // The ISA programs run their code a few times at most: translate it the first time.
        configuration.translationThreshold = 1
        let machine = try RISCVMachine(configuration: configuration, console: console)
        try machine.loadFirmware(path: path)
        let context = machine.context
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) { context.stop() }
        let outcome = try machine.run()
        return Run(outcome: outcome, console: console.capturedText, instructions: machine.instructionsRetired)
    }

    /// Writes raw machine code (32-bit little-endian words) to a temporary file.
    static func rawImage(_ words: [UInt32]) throws -> String {
        let path = NSTemporaryDirectory() + "isola-test-\(UUID().uuidString).bin"
        var bytes: [UInt8] = []
        for w in words { bytes += [UInt8(w & 0xFF), UInt8((w >> 8) & 0xFF), UInt8((w >> 16) & 0xFF), UInt8(w >> 24)] }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
