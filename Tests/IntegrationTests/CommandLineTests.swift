import Foundation
import IsolaCore
import IsolaVMM
import Testing

/// `isola` as a user runs it: exit statuses and one-line errors for bad input.
@Suite struct CommandLineTests {
    /// The `isola` executable built beside this test bundle.
    static var executable: String {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = products
        // The test binary may sit inside an .xctest bundle.
        while candidate.path != "/" {
            let path = candidate.appendingPathComponent("isola").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            candidate = candidate.deletingLastPathComponent()
        }
        return products.appendingPathComponent("isola").path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @Test func serveRefusesAWebAddressItCannotUse() throws {
        for bad in ["nonsense", "127.0.0.1:70000", ":8080", "127.0.0.1:-1"] {
            let r = try Self.isola(["serve", "--state", NSTemporaryDirectory() + "isola-web-refused", "--web", bad])
            #expect(r.status == 64 || r.status == 2, "--web \(bad): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("--web"), "\(r.stderr)")
        }
    }

    static func isola(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "isola-cli-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func expectOneLineError(_ result: Result, mentioning text: String) {
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("isola: "))
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
    }

    @Test func demoGuestPrintsAndExitsZero() throws {
        let r = try Self.isola(["run", "--bios", GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Hello from a bare-metal RISC-V guest on Isola!"))
    }

    @Test func guestFailureCodeBecomesExitStatus() throws {
        let r = try Self.isola(["run", "--bios", GuestRunner.isaTestBuild.appendingPathComponent("rv64ui.elf").path])
        #expect(r.status == 0)
        let failing = try GuestRunner.rawImage([0x0010_02B7, 0x0007_3337, 0x3333_0313, 0x0062_A023, 0x0000_006F])
        defer { try? FileManager.default.removeItem(atPath: failing) }
        #expect(try Self.isola(["run", "--bios", failing]).status == 7)
    }

    @Test func versionIsPrinted() throws {
        let r = try Self.isola(["--version"])
        #expect(r.status == 0 && r.stdout == IsolaVersion.current + "\n", "\(r.stdout)\(r.stderr)")
    }

    /// `vm create` and `create` take the VM's name once, as their argument; only `run` has `--name`.
    @Test func aVMIsNamedOnce() throws {
        for command in [["vm", "create"], ["create"]] {
            let help = try Self.isola(command + ["--help"])
            #expect(!help.stdout.contains("--name"), "\(help.stdout)")
            let refused = try Self.isola(command + ["x", "--name", "y"])
            #expect(refused.status == 2 && refused.stderr.contains("--name"), "\(refused.stderr)")
        }
        #expect(try Self.isola(["run", "--help"]).stdout.contains("--name"))
    }

    @Test func missingFile() throws {
        expectOneLineError(try Self.isola(["run", "--bios", "/nonexistent/fw.elf"]), mentioning: "/nonexistent/fw.elf")
    }

    @Test func directoryIsNotAnImage() throws {
        expectOneLineError(try Self.isola(["run", "--bios", "/tmp"]), mentioning: "/tmp")
    }

    @Test func emptyFile() throws {
        let path = try Self.temporaryFile([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try Self.isola(["run", "--bios", path]), mentioning: "empty")
    }

    @Test func elfForAnotherMachine() throws {
        // The host's own /bin/true is an ELF for x86-64 or arm64.
        expectOneLineError(try Self.isola(["run", "--bios", "/bin/true"]), mentioning: "another machine")
    }

    @Test func truncatedELF() throws {
        var header = [UInt8](repeating: 0, count: 40)
        header[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        header[4] = 2
        header[5] = 1
        let path = try Self.temporaryFile(header)
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try Self.isola(["run", "--bios", path]), mentioning: "truncated")
    }

    @Test func rawImageLargerThanRAM() throws {
        let path = try Self.temporaryFile([UInt8](repeating: 0x13, count: 2 << 20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try Self.isola(["run", "--bios", path, "--memory", "1M"]), mentioning: "outside guest RAM")
    }

    @Test func entryOutsideRAM() throws {
        // Relink the demo's ELF header with an entry point far outside RAM.
        var bytes = [UInt8](try Data(contentsOf: GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf")))
        for i in 0..<8 { bytes[24 + i] = i == 3 ? 0x40 : 0 }  // e_entry = 0x40000000
        let path = try Self.temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try Self.isola(["run", "--bios", path]), mentioning: "entry point 0x40000000")
    }

    @Test func badMemorySize() throws {
        expectOneLineError(try Self.isola(["run", "--bios", "/bin/true", "--memory", "lots"]), mentioning: "lots")
    }

    @Test func badHartCount() throws {
        let r = try Self.isola(["run", "--bios", GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path, "--cpus", "0"])
        expectOneLineError(r, mentioning: "cpus")
    }

    /// `--engine` picks the engine, `--stats` says which ran and what the translator did.
    @Test func enginesAndTheirStatistics() throws {
        let hello = GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path
        let interpreted = try Self.isola(["run", "--engine", "interpreter", "--stats", "--bios", hello])
        #expect(interpreted.status == 0 && interpreted.stderr.contains("engine interpreter"), "\(interpreted.stderr)")
        #expect(!interpreted.stderr.contains("translator:"))
        let translated = try Self.isola(["run", "--engine", "jit", "--stats", "--bios", hello])
        #expect(translated.status == 0 && translated.stdout == interpreted.stdout)
        #expect(translated.stderr.contains("engine jit") && translated.stderr.contains("isola: translator: "), "\(translated.stderr)")
        #expect(!translated.stderr.contains("translator: 0 units"), "\(translated.stderr)")
        let bad = try Self.isola(["run", "--engine", "fast", "--bios", hello])
        #expect(bad.status != 0 && bad.stderr.contains("--engine"), "\(bad.stderr)")
    }

    /// `--perf-map` names every translated unit in /tmp/perf-PID.map, as perf expects.
    @Test func perfMapNamesTranslatedCode() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["run", "--engine", "jit", "--perf-map", "--console", "none",
                             "--bios", GuestRunner.isaTestBuild.appendingPathComponent("rv64ui.elf").path]
        // The program runs most of its code once: translate it the first time.
        process.environment = ProcessInfo.processInfo.environment.merging(["ISOLA_TRANSLATE_AFTER": "1"]) { $1 }
        try process.run()
        process.waitUntilExit()
        let path = "/tmp/perf-\(process.processIdentifier).map"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count > 20)
        for line in lines {
            let fields = line.split(separator: " ")
            #expect(fields.count >= 3 && UInt64(fields[0], radix: 16) != nil && UInt64(fields[1], radix: 16) != nil
                    && (fields[2].hasPrefix("riscv:0x8") || fields[2].hasPrefix("isola:")), "\(line)")
        }
        #expect(lines.contains { $0.hasSuffix(" isola:lookup") })
    }

    /// `perf report` itself names samples in translated code by guest address (it reads
    /// the perf map only for memory it takes for anonymous). Needs perf (Debian's
    /// linux-perf, which scripts/setup.sh installs) and perf events; skips without them.
    @Test func perfReportNamesTranslatedCode() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/perf"),
              let busybox = GuestImages.defaultImage.map({ URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        else { return }
        let directory = NSTemporaryDirectory() + "isola-perf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = (0..<60000).map { "line \($0) of the perf test \($0 * 7919 % 1000)\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/data.txt"))
        let record = try LinuxBootTests.shell("cd \(directory) && perf record -q -F 2000 -o perf.data -- "
            + "\(Self.executable) exec --perf-map \(busybox) gzip -c data.txt > /dev/null")
        guard record.status == 0 else { return }  // perf events refused here (perf_event_paranoid, a container)
        let report = try LinuxBootTests.shell("cd \(directory) && perf report -q -i perf.data --sort symbol 2>/dev/null")
        #expect(report.output.contains("riscv:0x"), "\(report.output.prefix(600))")
    }

    @Test func traceShowsRetiredInstructions() throws {
        let r = try Self.isola(["run", "--trace", "--bios", GuestRunner.isaTestBuild.appendingPathComponent("uart-hello.elf").path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("[0] M 0x0000000080000000: auipc t0, 0x0  t0=0x0000000080000000"), "\(r.stderr.prefix(400))")
    }

    @Test func linuxConsoleToFileAndEndOfInputKeepsTheGuestRunning() throws {
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let file = NSTemporaryDirectory() + "isola-console-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Standard input is /dev/null: its end must not stop the guest, which sleeps and then prints.
        let r = try Self.isola(["run", "--console", "file:" + file,
                                "--append", "console=ttyS0 quiet ISOLA_CMD=\"sleep 1; echo still-running\""])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let log = try String(contentsOfFile: file, encoding: .utf8)
        #expect(log.contains("isola: init reached"))
        #expect(log.contains("still-running"))
    }

    @Test func consoleNone() throws {
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let r = try Self.isola(["run", "--console", "none", "--append", "console=ttyS0 ISOLA_CMD=true"])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }

    @Test func badConsole() throws {
        expectOneLineError(try Self.isola(["run", "--console", "tty"]), mentioning: "console")
    }

    @Test func noRebootEndsTheVMWhenTheGuestReboots() throws {
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let r = try Self.isola(["run", "--no-reboot", "--append", "console=ttyS0 quiet ISOLA_CMD=\"reboot -f\""])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "isola: init reached").count == 2, "one boot: \(r.stdout)")
    }

    @Test func kernelThatIsNotALinuxImage() throws {
        expectOneLineError(try Self.isola(["run", "--kernel", "/bin/true"]), mentioning: "Linux Image")
        let path = try Self.temporaryFile([UInt8](repeating: 0, count: 4096))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(try Self.isola(["run", "--kernel", path]), mentioning: "not a RISC-V Linux Image")
        // Only behind M-mode firmware may it be a raw program, and never an ELF.
        expectOneLineError(try Self.isola(["run", "--kernel", path]), mentioning: "--bios")
        expectOneLineError(try Self.isola(["run", "--bios", LinuxBootTests.openSBI, "--kernel", "/bin/true"]), mentioning: "raw binary")
    }

    @Test func missingInitrd() throws {
        let image = try #require(GuestImages.defaultImage)
        expectOneLineError(try Self.isola(["run", "--kernel", image.kernel, "--initrd", "/nonexistent.cpio"]),
                           mentioning: "/nonexistent.cpio")
    }

    @Test func diskCreateInfoAndItsErrors() throws {
        let directory = NSTemporaryDirectory() + "isola-cli-disk-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = directory + "base.img", overlay = directory + "overlay.qcow2"
        #expect(try Self.isola(["disk", "create", "--format", "raw", "--size", "64M", base]).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: base)[.size] as? Int == 64 << 20)
        #expect(try Self.isola(["disk", "create", "--backing", "base.img", overlay]).status == 0)
        let info = try Self.isola(["disk", "info", overlay])
        #expect(info.status == 0)
        #expect(info.stdout.contains("format: qcow2") && info.stdout.contains("backing file: base.img")
                && info.stdout.contains("virtual size: 67108864 bytes"), "\(info.stdout)")
        expectOneLineError(try Self.isola(["disk", "create", "--backing", "base.img", overlay]), mentioning: "File exists")
        expectOneLineError(try Self.isola(["disk", "create", directory + "nosize.qcow2"]), mentioning: "needs a size")
        expectOneLineError(try Self.isola(["disk", "create", "--backing", "absent.img", directory + "x.qcow2"]), mentioning: "absent.img")
        expectOneLineError(try Self.isola(["disk", "create", "--format", "vmdk", "--size", "1M", directory + "y"]), mentioning: "vmdk")
        expectOneLineError(try Self.isola(["run", "--bios", "/bin/true", "--disk", overlay + ",format=vhd"]), mentioning: "format")
        #expect(!FileManager.default.fileExists(atPath: directory + "x.qcow2"))
    }
}
