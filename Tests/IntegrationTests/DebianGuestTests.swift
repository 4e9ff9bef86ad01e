import Foundation
import IsolaVMM
import Testing

/// The Debian image of `isola images build debian`, used as a person would: `isola run`
/// in a terminal, a login on the serial console, systemd up, apt there, the clock right,
/// a file written, a reboot that boots again and finds it, a power-off with status 0;
/// the same disk through OpenSBI, U-Boot and extlinux, and from a bundle.
@Suite(.serialized) struct DebianGuestTests {
    static func image() throws -> GuestImages.Image {
        try #require(GuestImages.debianImage, "the test command builds it (isola images build debian)")
    }

    /// `isola` with its console on pipes: what it prints is collected, keys are typed.
    final class Console: @unchecked Sendable {
        let process = Process()
        private let input = Pipe(), output = Pipe()
        private let lock = NSLock()
        private var text = ""
        /// How much of the output `waitFor` has already matched, so each wait looks further on.
        private var consumed: String.Index?

        init(_ arguments: [String], directory: String? = nil) throws {
            process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                self.text += String(decoding: data, as: UTF8.self)
                self.lock.unlock()
            }
            try process.run()
        }

        var transcript: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }

        /// Waits for `needle` after what earlier waits matched; the text after the match is what follows.
        @discardableResult
        func waitFor(_ needle: String, seconds: Double = 300) -> String? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                lock.lock()
                let start = consumed ?? text.startIndex
                if let range = text.range(of: needle, range: start..<text.endIndex) {
                    let before = String(text[start..<range.lowerBound])
                    consumed = range.upperBound
                    lock.unlock()
                    return before
                }
                lock.unlock()
                if !process.isRunning { return nil }
                usleep(50_000)
            }
            return nil
        }

        func type(_ line: String) {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
        }

        /// Types `command` at a root prompt and returns what it printed before the next prompt.
        func run(_ command: String, seconds: Double = 300) -> String? {
            type(command)
            return waitFor("root@isola-debian:~# ", seconds: seconds)
        }

        /// Logs in as root. The first prompt can come while the boot is still settling and
        /// getty flushes what was typed too early, so, as a person would, it types again.
        func logIn() -> Bool {
            guard waitFor("isola-debian login: ") != nil else { return false }
            for _ in 0..<10 {
                type("root")
                if waitFor("Password: ", seconds: 10) != nil {
                    type("isola")
                    return waitFor("root@isola-debian:~# ", seconds: 120) != nil
                }
            }
            return false
        }

        func exitStatus(within seconds: Double = 180) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { process.terminate(); return nil }
            return process.terminationStatus
        }
    }

    static func overlay() throws -> (directory: String, disk: String) {
        let image = try image()
        let directory = NSTemporaryDirectory() + "isola-debian-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let disk = directory + "/disk.qcow2"
        try FirmwareBootTests.shell("qemu-img create -q -f qcow2 -b \(image.disk!) -F qcow2 \(disk)")
        return (directory, disk)
    }

    /// `systemctl is-system-running --wait` says running, or degraded with the failed
    /// units named in the test's output.
    static func expectSystemRunning(_ console: Console) {
        let state = console.run("systemctl is-system-running --wait") ?? ""
        if state.contains("degraded") {
            let failed = console.run("systemctl --failed --no-legend --plain") ?? ""
            Issue.record("systemd is degraded; failed units:\n\(failed)")
        } else {
            #expect(state.contains("running"), "systemctl is-system-running: \(state)")
        }
    }

    @Test func bootsWithTheBuiltInSBIAndSurvivesARebootAndPowersOff() throws {
        _ = try Self.image()
        let (directory, disk) = try Self.overlay()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // No kernel given: Isola reads the one the disk's extlinux.conf names.
        let console = try Console(["run", "--memory", "1G", "--cpus", "2", "--disk", disk])
        #expect(console.logIn(), "no login: \(console.transcript.suffix(3000))")
        #expect(console.transcript.contains("+deb13-riscv64"), "not Debian's kernel: \(console.transcript.prefix(500))")
        Self.expectSystemRunning(console)
        #expect(console.run("apt-get --version | head -1")?.contains("apt 3.") == true, "\(console.transcript.suffix(500))")
        let printed = console.run("date +%s") ?? ""
        let guestTime = printed.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.last
        let hostTime = Date().timeIntervalSince1970
        #expect(guestTime.map { abs($0 - hostTime) < 60 } == true, "the guest's date \(printed) against the host's \(hostTime)")
        _ = console.run("echo isola-was-here > /root/file; sync")
        // A reboot resets the VM, which boots again from the same disk.
        console.type("reboot")
        #expect(console.logIn(), "no login after the reboot: \(console.transcript.suffix(3000))")
        #expect(console.run("cat /root/file")?.contains("isola-was-here") == true)
        console.type("poweroff")
        #expect(console.exitStatus() == 0, "\(console.transcript.suffix(2000))")
    }

    @Test func bootsThroughOpenSBIUBootAndExtlinux() throws {
        _ = try Self.image()
        try FirmwareBootTests.requireFirmware()
        let (directory, disk) = try Self.overlay()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let console = try Console(["run", "--bios", LinuxBootTests.openSBI, "--kernel", FirmwareBootTests.supervisorModeUBoot,
                                   "--memory", "1G", "--cpus", "2", "--disk", disk])
        #expect(console.waitFor("Found /boot/extlinux/extlinux.conf") != nil, "\(console.transcript.suffix(3000))")
        #expect(console.logIn(), "no login: \(console.transcript.suffix(3000))")
        Self.expectSystemRunning(console)
        console.type("poweroff")
        #expect(console.exitStatus() == 0, "\(console.transcript.suffix(2000))")
    }

    @Test func aBundleMadeWithCreateBootsIt() throws {
        let image = try Self.image()
        let directory = NSTemporaryDirectory() + "isola-debian-bundle-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let create = Process()
        create.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        create.arguments = ["create", "deb", "--memory", "1G", "--disk", try #require(image.disk)]
        create.currentDirectoryURL = URL(fileURLWithPath: directory)
        try create.run()
        create.waitUntilExit()
        try #require(create.terminationStatus == 0)
        let console = try Console(["run", "deb"], directory: directory)
        #expect(console.logIn(), "no login: \(console.transcript.suffix(3000))")
        console.type("poweroff")
        #expect(console.exitStatus() == 0, "\(console.transcript.suffix(2000))")
    }
}
