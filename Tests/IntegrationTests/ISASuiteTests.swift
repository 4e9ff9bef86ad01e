import Foundation
import IsolaRISCV
import Testing

/// Runs the project's self-checking RISC-V programs (Guests/isa-tests); each
/// reports pass or the number of its first failing check through the test
/// finisher or HTIF.
@Suite struct ISASuiteTests {
    /// Every program under both engines: the translator must pass what the interpreter passes.
    @Test(arguments: GuestRunner.isaTestNames, [ExecutionEngine.jit, .interpreter])
    func program(_ name: String, engine: ExecutionEngine) throws {
        let elf = GuestRunner.isaTestBuild.appendingPathComponent("\(name).elf").path
        try #require(FileManager.default.fileExists(atPath: elf),
                     "\(elf) is missing: the test command builds it (Guests/isa-tests/build.sh)")
        // smp-* programs exercise several harts on several host threads.
        let run = try GuestRunner.run(firmware: elf, harts: name.hasPrefix("smp-") ? 4 : 1, engine: engine)
        #expect(run.outcome == .poweroff(exitCode: 0),
                "\(name) (\(engine)): \(run.outcome) (a fail code is the number of the failing check); console: \(run.console)")
    }

    @Test func suiteIsPresent() {
        // A missing Guests folder would make the parameterized test above run nothing.
        #expect(GuestRunner.isaTestNames.count >= 15)
    }

    @Test func htifConsoleReachesTheHost() throws {
        let run = try GuestRunner.run(firmware: GuestRunner.isaTestBuild.appendingPathComponent("htif.elf").path)
        #expect(run.console == "HTIF console: hello\nHTIF syscall: write\n")
    }
}

/// The monitor's reading of how a guest ended: the cases a passing suite cannot show.
@Suite struct GuestOutcomeTests {
    @Test func failingGuestReportsItsCode() throws {
        // lui t0, 0x100; lui t1, 0x73; addi t1, t1, 0x333; sw t1, 0(t0); j .
        let image = try GuestRunner.rawImage([0x0010_02B7, 0x0007_3337, 0x3333_0313, 0x0062_A023, 0x0000_006F])
        defer { try? FileManager.default.removeItem(atPath: image) }
        let run = try GuestRunner.run(firmware: image)
        #expect(run.outcome == .poweroff(exitCode: 7))
    }

    @Test func trapWithoutHandlerIsDetectedAsCrash() throws {
        // An illegal instruction with mtvec = 0: the handler address cannot be fetched.
        let image = try GuestRunner.rawImage([0xFFFF_FFFF])
        defer { try? FileManager.default.removeItem(atPath: image) }
        let run = try GuestRunner.run(firmware: image, timeoutSeconds: 10)
        guard case let .crashed(reason) = run.outcome else {
            Issue.record("expected a crash, got \(run.outcome)")
            return
        }
        #expect(reason.contains("cannot be fetched"))
    }

    @Test func everyHartRunsTheProgram() throws {
        // Two harts spin; only a stop ends them. Both retire instructions.
        let image = try GuestRunner.rawImage([0x0000_006F])
        defer { try? FileManager.default.removeItem(atPath: image) }
        let run = try GuestRunner.run(firmware: image, harts: 2, timeoutSeconds: 0.3)
        #expect(run.outcome == .stopped)
        #expect(run.instructions > 1000)
    }
}
