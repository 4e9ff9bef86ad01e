import Foundation
import IsolaCore
import IsolaVMM
import Testing

/// The backend protocol as the library and the hypervisor's worker use it: a machine
/// made from the VM document, run, counted, paused, saved and restored, with nothing
/// of the RISC-V board named.
@Suite struct MachineBackendTests {
    static let hello = GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path
    static let ticker = GuestRunner.repositoryRoot.appendingPathComponent(".build/bare-metal/ticker.elf").path

    @Test func aMachineMadeFromTheDocumentRunsToItsEnd() throws {
        let console = ConsoleOutput(output: .discard, capture: true)
        let machine = try MachineBackends.make(VMConfigurationFile(name: "backend", memory: "16M", cpus: 2, bios: Self.hello),
                                               relativeTo: "/", console: console)
        #expect(machine.vcpus.map(\.index) == [0, 1])
        let run = try machine.run()
        console.flush()
        #expect(run.outcome == .poweroff(exitCode: 0))
        #expect(run.instructionsRetired > 0 && ["jit", "interpreter"].contains(run.engine))
        #expect(console.capturedText.contains("Hello from a bare-metal RISC-V guest on Isola!"))
        let counters = machine.counters()
        #expect(counters.memoryBytes == 16 << 20)
        #expect(counters.instructionsRetired == run.instructionsRetired)
        #expect(counters.balloon == MachineCounters.Balloon(targetBytes: 0, actualBytes: 0, returnedBytes: 0))
    }

    @Test func theDocumentChoosesTheDevices() throws {
        var file = VMConfigurationFile(name: "devices", bios: Self.hello)
        #expect(try MachineBackends.virtioDeviceCount(of: file) == 3)  // console, entropy, balloon
        (file.virtioConsole, file.entropy, file.balloon) = (false, false, false)
        file.networks = ["switch:lan"]
        #expect(try MachineBackends.virtioDeviceCount(of: file) == 1)
        file.networks = []
        let machine = try MachineBackends.make(file, relativeTo: "/", console: ConsoleOutput(output: .discard))
        #expect(machine.counters().balloon == nil)
        #expect(!machine.setBalloonTarget(bytes: 1 << 20))
        #expect(!machine.setOnlineVCPUs(1))  // no virtio console to ask the guest on
        #expect(MachineBackends.limits.vcpuCounts.contains(file.cpus))
    }

    @Test func aSavedMachineIsRestoredThroughTheProtocolAndGoesOn() throws {
        let file = VMConfigurationFile(name: "ticker", memory: "16M", bios: Self.ticker)
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("backend-\(getpid()).snap").path
        defer { try? FileManager.default.removeItem(atPath: snapshot) }

        let first = try Running { try MachineBackends.make(file, relativeTo: "/", console: $0) }
        try #require(first.waitFor("tick 0000000000000002"))
        #expect(first.machine.pause() && first.machine.isPaused)
        try first.machine.saveSnapshot(to: snapshot, configuration: file.encoded())
        first.console.flush()
        let saved = first.console.capturedText.components(separatedBy: "tick ").count - 1
        first.machine.stop()
        #expect(first.finish()?.outcome == .stopped)

        let restored = try Running {
            try MachineBackends.restore(try SnapshotFile.open(snapshot), as: file, relativeTo: "/", clock: .resume, console: $0)
        }
        // The count goes on from the saved one rather than starting at 0 again.
        let next = String(saved, radix: 16)
        try #require(restored.waitFor("tick " + String(repeating: "0", count: 16 - next.count) + next))
        #expect(!restored.console.capturedText.contains("tick 0000000000000000"))
        restored.machine.stop()
        #expect(restored.finish()?.outcome == .stopped)
    }

    /// A machine running on a thread of its own, its console captured.
    final class Running: @unchecked Sendable {
        let console = ConsoleOutput(output: .discard, capture: true)
        let machine: any MachineBackend
        private let done = DispatchSemaphore(value: 0)
        private var result: MachineRun?

        init(_ make: (ConsoleOutput) throws -> any MachineBackend) rethrows {
            machine = try make(console)
            DispatchQueue.global().async {
                self.result = try? self.machine.run()
                self.done.signal()
            }
        }

        func waitFor(_ text: String, seconds: Double = 30) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                console.flush()
                if console.capturedText.contains(text) { return true }
                usleep(20_000)
            }
            return false
        }

        func finish() -> MachineRun? {
            done.wait()
            return result
        }
    }
}
