import Foundation
import IsolaKit
import IsolaVMM
import Testing

/// The default Linux image booted through the embedding API, as a Swift program
/// would: the console read and typed to, a state saved and restored into a second
/// VM whose shell goes on, and a guest asked to stop.
@Suite(.serialized) struct EmbeddingTests {
    static func configuration() throws -> VirtualMachineConfiguration {
        let image = try #require(GuestImages.defaultImage, "no default guest image in \(GuestImages.cacheDirectory): the test command builds it (Guests/linux/build.sh)")
        return VirtualMachineConfiguration(bootLoader: .linux(kernelPath: image.kernel, initialRamdiskPath: image.initramfs,
                                                               commandLine: VirtualMachineConfiguration.defaultCommandLine))
    }

    /// What `output` shows until `text` appears; the VM is stopped after `seconds` (which ends the stream).
    static func read(_ output: AsyncStream<[UInt8]>, until text: String, vm: IsolaKit.VirtualMachine, seconds: Int = 120) async -> String {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(seconds))
            try? await vm.stop()
        }
        defer { watchdog.cancel() }
        var seen = ""
        for await chunk in output {
            seen += String(decoding: chunk, as: UTF8.self)
            if seen.contains(text) { break }
        }
        return seen
    }

    static func run(_ command: String, on vm: IsolaKit.VirtualMachine) async -> String {
        let output = vm.consoleOutput()
        vm.writeToConsole(command + "\n")
        return await read(output, until: "\n/ # ", vm: vm)
    }

    @Test func bootTypeSaveRestoreAndGoOn() async throws {
        let configuration = try Self.configuration()
        let first = try IsolaKit.VirtualMachine(configuration: configuration)
        let boot = first.consoleOutput()
        try await first.start()
        let booted = await Self.read(boot, until: "/ # ", vm: first)
        #expect(booted.contains("isola: init reached"), "\(booted.suffix(500))")
        let answer = await Self.run("echo $((6*7)); x=before-the-snapshot", on: first)
        #expect(answer.contains("\n42"), "\(answer)")
        try await first.pause()
        let snapshot = NSTemporaryDirectory() + "embedding-\(UUID().uuidString).snapshot"
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        try await first.saveState(to: snapshot)
        try await first.stop()
        #expect(await first.waitUntilStopped() == .stopped)

        let second = try IsolaKit.VirtualMachine(configuration: configuration)
        try await second.restoreState(from: snapshot)
        try await second.resume()
        let restored = await Self.run("echo x=$x", on: second)
        #expect(restored.contains("x=before-the-snapshot"), "\(restored)")
        second.writeToConsole("poweroff\n")
        #expect(await second.waitUntilStopped() == .guestPoweredOff(exitCode: 0))
    }

    @Test func aGuestAskedToStopPowersOff() async throws {
        let vm = try IsolaKit.VirtualMachine(configuration: Self.configuration())
        let boot = vm.consoleOutput()
        try await vm.start()
        _ = await Self.read(boot, until: "/ # ", vm: vm)
        try await vm.requestStop()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            try? await vm.stop()
        }
        defer { watchdog.cancel() }
        #expect(await vm.waitUntilStopped() == .guestPoweredOff(exitCode: 0))
    }
}
