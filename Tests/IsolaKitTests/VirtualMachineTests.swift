import Foundation
import IsolaKit
import Testing

/// A VM's life through the library, on firmware of a few instructions (no guest
/// image needed): states, console, why it ended, what each state refuses, and a
/// state saved and restored into a second VM.
@Suite struct VirtualMachineTests {
    /// Prints "hi\n" on the UART, then powers off with exit code 7 (the SiFive test finisher).
    static let greeter: [UInt32] = [
        0x1000_02B7, 0x0680_0313, 0x0062_8023, 0x0690_0313, 0x0062_8023, 0x00A0_0313, 0x0062_8023,  // lui t0, UART; sb 'h', 'i', '\n'
        0x0010_02B7, 0x0007_3337, 0x3333_0313, 0x0062_A023,  // lui t0, finisher; li t1, 7 << 16 | 0x3333; sw
        0x0000_006F,  // j .
    ]
    /// Counts in a0 for ever.
    static let counter: [UInt32] = [0x0015_0513, 0xFFDF_F06F]  // addi a0, a0, 1; j -4

    static func firmware(_ words: [UInt32]) throws -> VirtualMachineConfiguration {
        let path = NSTemporaryDirectory() + "isolakit-fw-\(UUID().uuidString)"
        try Data(words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }).write(to: URL(fileURLWithPath: path))
        var c = VirtualMachineConfiguration(bootLoader: .firmware(path: path))
        c.memorySizeInBytes = 16 << 20
        return c
    }

    @Test func aGuestThatPowersOffEndsWithItsExitCodeAndItsConsoleIsRead() async throws {
        let vm = try VirtualMachine(configuration: Self.firmware(Self.greeter))
        let states = vm.stateUpdates()
        let output = vm.consoleOutput()
        #expect(vm.state == .created)
        try await vm.start()
        #expect(await vm.waitUntilStopped() == .guestPoweredOff(exitCode: 7))
        var printed: [UInt8] = []
        for await chunk in output { printed += chunk }
        #expect(String(decoding: printed, as: UTF8.self) == "hi\n")
        var seen: [VirtualMachine.State] = []
        for await state in states { seen.append(state) }
        #expect(seen == [.created, .running, .stopped(.guestPoweredOff(exitCode: 7))])
        await #expect(throws: IsolaKitError.invalidState(operation: "start", state: .stopped(.guestPoweredOff(exitCode: 7)))) {
            try await vm.start()
        }
    }

    @Test func pauseResumeAndStopAndWhatEachStateRefuses() async throws {
        let vm = try VirtualMachine(configuration: Self.firmware(Self.counter))
        await #expect(throws: IsolaKitError.invalidState(operation: "resume", state: .created)) { try await vm.resume() }
        await #expect(throws: IsolaKitError.invalidState(operation: "pause", state: .created)) { try await vm.pause() }
        try await vm.start()
        await #expect(throws: IsolaKitError.invalidState(operation: "start", state: .running)) { try await vm.start() }
        await #expect(throws: IsolaKitError.invalidState(operation: "save the state of", state: .running)) {
            try await vm.saveState(to: "/tmp/never-written")
        }
        try await vm.pause()
        #expect(vm.state == .paused)
        await #expect(throws: IsolaKitError.invalidState(operation: "pause", state: .paused)) { try await vm.pause() }
        try await vm.resume()
        #expect(vm.state == .running)
        try await vm.pause()
        try await vm.stop()
        #expect(vm.state == .stopped(.stopped))
        #expect(await vm.waitUntilStopped() == .stopped)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    @Test func aSavedStateRestoresIntoASecondVMThatGoesOn() async throws {
        let configuration = try Self.firmware(Self.counter)
        let first = try VirtualMachine(configuration: configuration)
        try await first.start()
        try await first.pause()
        let snapshot = NSTemporaryDirectory() + "isolakit-snapshot-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        try await first.saveState(to: snapshot)
        try await first.stop()

        var other = configuration
        other.cpuCount = 2
        let mismatched = try VirtualMachine(configuration: other)
        await #expect(throws: IsolaKitError.invalidConfiguration(field: "cpuCount", reason: "differs from the configuration '\(snapshot)' was saved with")) {
            try await mismatched.restoreState(from: snapshot)
        }
        #expect(mismatched.state == .created)

        let second = try VirtualMachine(configuration: configuration)
        try await second.restoreState(from: snapshot)
        #expect(second.state == .paused)
        try await second.resume()
        #expect(second.state == .running)
        try await second.stop()
        #expect(await second.waitUntilStopped() == .stopped)

        let missing = try VirtualMachine(configuration: configuration)
        await #expect(throws: IsolaKitError.self) { try await missing.restoreState(from: "/nonexistent/snapshot") }

        // A snapshot cut in half, and one of random bytes: refused, and the VM can still boot.
        let whole = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        for bad in [whole.prefix(whole.count / 2), Data((0..<65536).map { _ in UInt8.random(in: 0...255) })] {
            let path = NSTemporaryDirectory() + "isolakit-bad-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try bad.write(to: URL(fileURLWithPath: path))
            let vm = try VirtualMachine(configuration: configuration)
            do {
                try await vm.restoreState(from: path)
                Issue.record("a damaged snapshot was restored")
            } catch {
                guard case .failed(let operation, _) = error else { Issue.record("not a failure: \(error)"); continue }
                #expect(operation.contains(path))
            }
            #expect(vm.state == .created)
            try await vm.start()
            try await vm.stop()
        }
    }
}
