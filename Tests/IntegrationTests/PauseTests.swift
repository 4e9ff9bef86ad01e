import Foundation
import IsolaRISCV
import IsolaVMM
import Testing

/// Pausing a running machine: every hart stops at an instruction boundary, no
/// instruction retires and guest time stands still until it resumes.
@Suite struct PauseTests {
    @Test func aPausedMachineRetiresNothingAndItsClockStandsStill() throws {
        // Every hart spins on `j .` forever.
        let image = try GuestRunner.rawImage([0x0000_006F])
        defer { try? FileManager.default.removeItem(atPath: image) }
        let machine = try RISCVMachine(configuration: .init(memoryInBytes: 16 << 20, hartCount: 3),
                                       console: ConsoleOutput(output: .init(fileDescriptor: -1), capture: true))
        try machine.loadFirmware(path: image)
        let context = machine.context
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let running = machine  // run() owns the harts' threads; the test only reads counters
        Thread.detachNewThread {
            _ = try? running.run()
            finished.signal()
        }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(context.pause())
        #expect(context.isPaused)
        let retired = machine.instructionsRetired, time = context.pausedAtMtime
        Thread.sleep(forTimeInterval: 0.2)
        #expect(machine.instructionsRetired == retired, "a paused hart retired instructions")
        context.resume()
        // Guest time goes on from where the pause froze it: the 0.2 s paused (2,000,000
        // ticks) do not count. Signed, so a clock that went back fails rather than traps.
        let advanced = Int64(bitPattern: context.clock.mtime &- time)
        #expect(advanced >= 0 && advanced < 500_000, "guest time moved \(advanced) ticks over a pause")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(machine.instructionsRetired > retired)
        #expect(!context.isPaused)
        // Pausing again and stopping from the pause ends the run.
        #expect(context.pause())
        context.stop()
        #expect(finished.wait(timeout: .now() + 5) == .success)
    }
}
