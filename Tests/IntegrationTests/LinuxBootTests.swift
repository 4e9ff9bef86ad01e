import Dispatch
import Foundation
import Atomics
import IsolaDevices
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Testing

/// Boots the default Linux image (built by the test command with Guests/linux/build.sh)
/// and checks what the guest prints.
@Suite(.serialized) struct LinuxBootTests {
    static let openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

    static func image() throws -> GuestImages.Image {
        try #require(GuestImages.defaultImage, "no default guest image in \(GuestImages.cacheDirectory): the test command builds it (Guests/linux/build.sh)")
    }

    /// A VM running on a background thread, with its console captured.
    final class RunningVM: @unchecked Sendable {
        let vm: VirtualMachine
        let console = ConsoleOutput(output: .discard, capture: true)
        private let done = DispatchSemaphore(value: 0)
        private(set) var result: MachineRun?

        convenience init(boot: BootSource, harts: Int = 1, memory: UInt64 = 256 << 20, disks: [RISCVMachine.Configuration.Disk] = [],
             networks: [RISCVMachine.Configuration.Network] = [], name: String = "isola",
             engine: ExecutionEngine = .hostDefault) throws {
            var configuration = RISCVMachine.Configuration(memoryInBytes: memory, hartCount: harts)
            configuration.engine = engine
            configuration.disks = disks
            configuration.networks = networks
            configuration.name = name
            try self.init { try VirtualMachine(configuration: configuration, boot: boot, console: $0) }
        }

        /// Runs the VM `make` builds around the captured console (a bundle's, a restored one).
        init(_ make: (ConsoleOutput) throws -> VirtualMachine) throws {
            vm = try make(console)
            DispatchQueue.global().async {
                self.result = try? self.vm.run()
                self.done.signal()
            }
        }

        /// Waits until the console shows `text`; false after `seconds`.
        func waitFor(_ text: String, seconds: Double = 120) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if console.capturedText.contains(text) { return true }
                if result != nil { return console.capturedText.contains(text) }
                usleep(20_000)
            }
            return false
        }

        /// Waits for the VM to stop (stopping it after `seconds`).
        func finish(seconds: Double = 120) -> MachineRun? {
            if done.wait(timeout: .now() + seconds) == .timedOut {
                vm.stop()
                done.wait()
            }
            return result
        }
    }

    static func scripted(_ command: String, harts: Int = 1, firmware: String? = nil,
                         disks: [RISCVMachine.Configuration.Disk] = [],
                         engine: ExecutionEngine = .hostDefault) throws -> (MachineRun?, String) {
        let image = try image()
        let arguments = "console=ttyS0 ISOLA_CMD=\"\(command)\""
        let boot: BootSource = firmware.map {
            .firmwareWithLinux(firmware: $0, kernel: image.kernel, initrd: image.initramfs, bootArguments: arguments)
        } ?? .linux(kernel: image.kernel, initrd: image.initramfs, bootArguments: arguments)
        let running = try RunningVM(boot: boot, harts: harts, disks: disks, engine: engine)
        let result = running.finish()
        return (result, running.console.capturedText)
    }

    static func shell(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A 32 MiB ext4 image made on the host with mkfs.ext4 (Debian e2fsprogs).
    static func ext4Image() throws -> String {
        let path = NSTemporaryDirectory() + "isola-ext4-\(UUID().uuidString).img"
        let made = try shell("truncate -s 32M '\(path)' && mkfs.ext4 -q -F '\(path)'")
        try #require(made.status == 0, "mkfs.ext4: \(made.output)")
        return path
    }

    @Test func guestWritesAFileTheHostReads() throws {
        let disk = try Self.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let (result, console) = try Self.scripted(
            "mount /dev/vda /mnt && echo written-by-the-guest > /mnt/note && sync && umount /mnt && echo rng=$(head -c 8 /dev/hwrng | wc -c)",
            disks: [.init(path: disk)])
        #expect(result?.outcome == .poweroff(exitCode: 0), "\(console.suffix(1500))")
        #expect(console.contains("rng=8"))
        let read = try Self.shell("debugfs -R 'cat /note' '\(disk)' 2>/dev/null")
        #expect(read.output == "written-by-the-guest\n")
    }

    @Test func guestWritesThroughAQcow2OverlayAndTheBaseStaysAsItWas() throws {
        let base = try Self.ext4Image()
        let overlay = base + ".qcow2"
        defer {
            try? FileManager.default.removeItem(atPath: base)
            try? FileManager.default.removeItem(atPath: overlay)
            try? FileManager.default.removeItem(atPath: overlay + ".raw")
        }
        try #require(try Self.shell("echo from-the-base > /tmp/isola-note-$$ && debugfs -w -R 'write /tmp/isola-note-'$$' note' '\(base)' && rm /tmp/isola-note-$$").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: base))
        try QCOW2Image.create(path: overlay, size: nil, backing: base)
        let (result, console) = try Self.scripted(
            "mount /dev/vda /mnt && cat /mnt/note && echo written-through-the-overlay > /mnt/new && sync && umount /mnt",
            disks: [.init(path: overlay)])
        #expect(result?.outcome == .poweroff(exitCode: 0), "\(console.suffix(1500))")
        #expect(console.contains("from-the-base"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before)
        let check = try Self.shell("qemu-img check '\(overlay)'")
        #expect(check.status == 0, "\(check.output)")
        let read = try Self.shell("qemu-img convert -O raw '\(overlay)' '\(overlay).raw' && debugfs -R 'cat /new' '\(overlay).raw' 2>/dev/null")
        #expect(read.output == "written-through-the-overlay\n")
    }

    @Test func discardPunchesHolesInTheImage() throws {
        let disk = NSTemporaryDirectory() + "isola-discard-\(UUID().uuidString).img"
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let made = try Self.shell("head -c 8388608 /dev/urandom > '\(disk)'")
        try #require(made.status == 0)
        let before = try Self.shell("du -k '\(disk)' | cut -f1").output
        let (result, console) = try Self.scripted("blkdiscard -o 0 -l 4194304 /dev/vda && echo discarded", disks: [.init(path: disk)])
        #expect(console.contains("discarded"), "\(console.suffix(800))")
        #expect(result?.outcome == .poweroff(exitCode: 0))
        let after = try Self.shell("du -k '\(disk)' | cut -f1").output
        #expect((Int(after.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) < (Int(before.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0))
        #expect(try Self.shell("cmp -n 4194304 '\(disk)' /dev/zero").status == 0)
    }

    @Test func readOnlyDiskRefusesWrites() throws {
        let disk = try Self.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let before = try Data(contentsOf: URL(fileURLWithPath: disk))
        let (result, console) = try Self.scripted(
            "cat /sys/block/vda/ro; mount -o ro /dev/vda /mnt && ls /mnt && (echo x > /mnt/y || echo write-refused)",
            disks: [.init(path: disk, readOnly: true)])
        #expect(result?.outcome == .poweroff(exitCode: 0))
        #expect(console.contains("\n1\r\n") || console.contains("\n1\n"), "\(console.suffix(800))")
        #expect(console.contains("lost+found"))
        #expect(console.contains("write-refused"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: disk)) == before)
    }

    @Test(arguments: [ExecutionEngine.jit, .interpreter])
    func bootsToInitAndRunsACommand(engine: ExecutionEngine) throws {
        let (result, console) = try Self.scripted("echo answer=$((6*7))", engine: engine)
        #expect(console.contains("Linux version 6.1"))
        #expect(console.contains("Machine model: isola,virt"))
        #expect(console.contains("isola: init reached"))
        #expect(console.contains("answer=42"))
        #expect(result?.outcome == .poweroff(exitCode: 0), "\(console.suffix(2000))")
        #expect(result?.bootNanoseconds != nil, "the boot-timer write from /init was not seen")
    }

    /// The vDSO reads `time` from U-mode; a large dd allocates with mmap and copies.
    @Test func userModeTimeAndLargeCopies() throws {
        let (result, console) = try Self.scripted("dd if=/dev/zero of=/dev/null bs=1M count=4 && date +%s && echo user-ok")
        #expect(console.contains("user-ok"), "\(console.suffix(1500))")
        #expect(result?.outcome == .poweroff(exitCode: 0))
    }

    /// Boots and the SMP stress on four harts, under each engine (the other Linux tests
    /// but the first run the default engine, the translator).
    @Test(arguments: [ExecutionEngine.jit, .interpreter])
    func fourHartsAndAtomicsAcrossThem(engine: ExecutionEngine) throws {
        let (result, console) = try Self.scripted("echo cpus=$(nproc); smp-stress 4 20000", harts: 4, engine: engine)
        #expect(console.contains("cpus=4"), "\(console.suffix(2000))")
        #expect(console.contains("smp-stress: ok"), "\(console.suffix(2000))")
        #expect(result?.outcome == .poweroff(exitCode: 0))
    }

    /// The Goldfish RTC gives the guest the host's date from boot (RTC_HCTOSYS), and the
    /// guest's driver finds it where QEMU's virt board has it.
    @Test func theGuestsDateIsTheHostsFromBoot() throws {
        let before = Int(Date().timeIntervalSince1970)
        let (result, console) = try Self.scripted("echo rtc=$(cat /sys/class/rtc/rtc0/name) date=$(date +%s)")
        let after = Int(Date().timeIntervalSince1970)
        #expect(console.contains("rtc=goldfish_rtc 101000.rtc"), "\(console.suffix(1500))")
        let date = console.firstMatch(of: /date=([0-9]+)/).flatMap { Int($0.1) } ?? 0
        #expect(date >= before - 2 && date <= after + 2, "the guest says \(date), the host \(before)...\(after)")
        #expect(result?.outcome == .poweroff(exitCode: 0))
    }

    @Test func aFailingCommandBecomesTheExitStatus() throws {
        let (result, _) = try Self.scripted("exit 5")
        #expect(result?.exitStatus == 5)
    }

    @Test func interactiveShellAndPoweroff() throws {
        let image = try Self.image()
        let running = try RunningVM(boot: .linux(kernel: image.kernel, initrd: image.initramfs, bootArguments: "console=ttyS0 quiet"))
        #expect(running.waitFor("isola: init reached"))
        #expect(running.waitFor("/ # "), "no shell prompt: \(running.console.capturedText.suffix(1000))")
        running.vm.type(Array("echo $((6*7))\n".utf8))
        #expect(running.waitFor("\n42"), "\(running.console.capturedText.suffix(1000))")
        running.vm.type(Array("poweroff\n".utf8))
        let result = running.finish()
        #expect(result?.outcome == .poweroff(exitCode: 0), "\(running.console.capturedText.suffix(1000))")
    }

    /// Two guests on one virtual switch: ping, then a file moved with nc arrives intact.
    @Test func twoGuestsOnASwitch() throws {
        let image = try Self.image()
        let network = RISCVMachine.Configuration.Network(backend: .virtualSwitch("test-\(UUID().uuidString.prefix(8))"))
        func boot(_ name: String, _ command: String) throws -> RunningVM {
            try RunningVM(boot: .linux(kernel: image.kernel, initrd: image.initramfs,
                                       bootArguments: "console=ttyS0 quiet ISOLA_CMD=\"\(command)\""),
                          networks: [network], name: name)
        }
        let server = try boot("server", "ifconfig eth0 192.0.2.1 up && nc -l -p 5000 < /dev/null > /tmp/got; md5sum /tmp/got")
        #expect(server.waitFor("isola: init reached"))
        let client = try boot("client", "ifconfig eth0 192.0.2.2 up && ping -c 2 -w 20 192.0.2.1 && head -c 100000 /dev/urandom > /tmp/x && md5sum /tmp/x && nc -w 2 192.0.2.1 5000 < /tmp/x; sleep 1")
        let clientResult = client.finish()
        let serverResult = server.finish(seconds: 30)
        let clientConsole = client.console.capturedText, serverConsole = server.console.capturedText
        #expect(clientConsole.contains("2 packets received"), "\(clientConsole.suffix(800))")
        let sum = clientConsole.split(whereSeparator: \.isNewline).first { $0.hasSuffix("/tmp/x") }?.prefix(32)
        #expect(sum != nil)
        #expect(serverConsole.contains("\(sum ?? "none")  /tmp/got"), "server: \(serverConsole.suffix(800))")
        #expect(clientResult?.outcome == .poweroff(exitCode: 0))
        #expect(serverResult?.outcome == .poweroff(exitCode: 0))
    }

    @Test func macAddressesDeriveFromTheName() {
        let a = MACAddress.derived(from: "vm-a/eth0"), b = MACAddress.derived(from: "vm-b/eth0")
        #expect(a == MACAddress.derived(from: "vm-a/eth0"))
        #expect(a != b)
        #expect(a.bytes[0] & 3 == 2)  // locally administered unicast
    }

    @Test func secondConsoleOnHvc0() throws {
        let (result, console) = try Self.scripted("echo through-virtio-console > /dev/hvc0 && ls /dev/hwrng")
        #expect(console.contains("through-virtio-console"), "\(console.suffix(1000))")
        #expect(result?.outcome == .poweroff(exitCode: 0))
    }

    @Test func balloonGivesGuestMemoryBack() throws {
        let image = try Self.image()
        let running = try RunningVM(boot: .linux(kernel: image.kernel, initrd: image.initramfs, bootArguments: "console=ttyS0 quiet"))
        #expect(running.waitFor("/ # "))
        let balloon = try #require(running.vm.machine.balloon?.device)
        #expect(running.vm.setBalloonTarget(bytes: 64 << 20))
        let deadline = Date().addingTimeInterval(60)
        while balloon.actual < 16384 && Date() < deadline { usleep(20_000) }
        #expect(balloon.actual == 16384, "the driver reports \(balloon.actual) pages")
        #expect(balloon.inflatedPages.load(ordering: .relaxed) == 16384)
        running.vm.type(Array("grep MemTotal /proc/meminfo\n".utf8))
        #expect(running.waitFor("MemTotal:"))
        running.vm.setBalloonTarget(bytes: 0)  // deflate
        while balloon.actual > 0 && Date() < deadline { usleep(20_000) }
        #expect(balloon.actual == 0)
        running.vm.type(Array("poweroff\n".utf8))
        #expect(running.finish()?.outcome == .poweroff(exitCode: 0))
    }

    @Test func openSBIBootsTheSameKernel() throws {
        try #require(FileManager.default.fileExists(atPath: Self.openSBI), "Debian's opensbi package is missing (scripts/setup.sh installs it)")
        let (result, console) = try Self.scripted("echo answer=$((6*7)); nproc", harts: 2, firmware: Self.openSBI)
        #expect(console.contains("OpenSBI"))
        #expect(console.contains("answer=42"), "\(console.suffix(2000))")
        #expect(result?.outcome == .poweroff(exitCode: 0))
    }
}

/// The generated device tree, checked by the reference compiler.
@Suite struct DeviceTreeTests {
    @Test func decompilesCleanlyWithDtc() throws {
        let dtb = NSTemporaryDirectory() + "isola-\(UUID().uuidString).dtb"
        defer { try? FileManager.default.removeItem(atPath: dtb) }
        let dump = try CommandLineTests.isola(["run", "--dump-dtb", dtb, "--cpus", "3", "--memory", "512M",
                                               "--bios", GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path])
        #expect(dump.status == 0, "\(dump.stderr)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dtc")
        process.arguments = ["-I", "dtb", "-O", "dts", dtb]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dts = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let warnings = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(warnings.isEmpty, "dtc: \(warnings)")
        #expect(dts.contains("cpu@2"))
        #expect(dts.contains("reg = <0x00 0x80000000 0x00 0x20000000>"))
        #expect(dts.contains("sifive,plic-1.0.0"))
        #expect(dts.contains("virtio_mmio@10008000"))
        #expect(dts.contains("riscv,isa = \"rv64imafdc_zicbom_zicbop_zicboz_zicntr_zicsr_zifencei_zihintpause_zihpm_zfhmin_zba_zbb_zbs_zkt_sdtrig_sstc_svinval_svpbmt\""), "\(dts)")
        #expect(dts.contains("riscv,isa-base = \"rv64i\""))
        // A string list; dtc prints one of many short strings with \0 between them.
        let extensions = ["i", "m", "a", "f", "d", "c", "zicbom", "zicbop", "zicboz", "zicntr", "zicsr", "zifencei", "zihintpause",
                          "zihpm", "zfhmin", "zba", "zbb", "zbs", "zkt", "sdtrig", "sstc", "svinval", "svpbmt"]
        #expect(dts.contains("riscv,isa-extensions = \"" + extensions.joined(separator: "\\0") + "\"")
                || dts.contains("riscv,isa-extensions = \"" + extensions.joined(separator: "\", \"") + "\""), "\(dts)")
        #expect(dts.contains("rtc@101000") && dts.contains("google,goldfish-rtc"))
        for operations in ["cbom", "cbop", "cboz"] {
            #expect(dts.contains("riscv,\(operations)-block-size = <0x40>"), "\(operations)")
        }
    }

    @Test func encodesStructureAndStrings() {
        let tree = DeviceTreeNode("", [("model", .string("x"))], children: [DeviceTreeNode("a@1", [("reg", .cells([1]))])])
        let blob = FlattenedDeviceTree.encode(tree)
        #expect(Array(blob[0..<4]) == [0xD0, 0x0D, 0xFE, 0xED])
        let total = blob[4..<8].reduce(0) { $0 << 8 | Int($1) }
        #expect(total == blob.count)
    }
}
