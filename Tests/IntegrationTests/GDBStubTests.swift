import Foundation
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Testing

/// `isola run --gdb` as a user debugs with it: Debian's gdb-multiarch driving breakpoints,
/// watchpoints, steps and memory on a bare-metal program, and the protocol itself from a
/// plain client: Ctrl-C of a running Linux guest, escaped binary writes, refusals, kill.
@Suite(.serialized) struct GDBStubTests {
    static let target = GuestRunner.isaTestBuild.appendingPathComponent("debug-target.elf").path

    /// `isola run ARGS --gdb 0`, and the port its stub took (from its one line on stderr).
    final class Debuggee {
        let process = Process()
        let port: UInt16
        private let stderr = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
            process.arguments = ["run"] + arguments + ["--gdb", "tcp:127.0.0.1:0"] + (arguments.contains("--console") ? [] : ["--console", "none"])
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(20)
            while !text.contains("\n") && Date() < deadline {
                let chunk = stderr.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: "gdb stub on 127.0.0.1:"),
                  let port = UInt16(text[range.upperBound...].prefix { $0.isNumber }) else {
                process.terminate()
                throw HostError.io(operation: "gdb stub announcement: \(text)", path: "isola", errno: 0)
            }
            self.port = port
        }

        /// Ends the VM: SIGTERM asks `isola run` to power its guest down, and a guest
        /// that does not go within 5 s is killed, so no test leaves a VM behind.
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        func exitStatus(within seconds: Double = 60) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { process.terminate(); return nil }
            return process.terminationStatus
        }
    }

    /// A minimal protocol client: packets out, replies in, no acknowledgements after the start.
    final class Client {
        let socket: StreamSocket
        private var buffer: [UInt8] = []

        init(port: UInt16) throws {
            socket = try StreamSocket.connect(host: "127.0.0.1", port: port)
            #expect(try request("QStartNoAckMode") == "OK")
        }

        static func frame(_ payload: [UInt8]) -> [UInt8] {
            let sum = payload.reduce(UInt8(0)) { $0 &+ $1 }
            return [UInt8(ascii: "$")] + payload + Array("#\(String(format: "%02x", sum))".utf8)
        }

        /// The next reply packet's payload, skipping acknowledgements.
        func reply(seconds: Int32 = 10) throws -> String {
            while true {
                if let start = buffer.firstIndex(of: UInt8(ascii: "$")), let end = buffer[start...].firstIndex(of: UInt8(ascii: "#")),
                   end + 2 < buffer.count {
                    let payload = Array(buffer[(start + 1)..<end])
                    buffer.removeFirst(end + 3)
                    return String(decoding: payload, as: UTF8.self)
                }
                guard socket.waitReadable(milliseconds: seconds * 1000), let bytes = socket.readSome() else {
                    throw HostError.io(operation: "gdb reply", path: socket.path, errno: ETIMEDOUT)
                }
                buffer += bytes
            }
        }

        func send(_ payload: [UInt8]) { socket.write(bytes: Self.frame(payload)) }

        func request(_ text: String) throws -> String {
            send(Array(text.utf8))
            return try reply()
        }

        /// The byte right after what was sent (an acknowledgement or a refusal), for a bad packet.
        func rawAnswer(to bytes: [UInt8]) -> [UInt8]? {
            socket.write(bytes: bytes)
            guard socket.waitReadable(milliseconds: 5000) else { return nil }
            return socket.readSome()
        }
    }

    /// gdb-multiarch in batch mode on `program`, running `commands`; what it printed.
    static func gdb(_ program: String, _ commands: [String]) throws -> String {
        let gdb = Process()
        gdb.executableURL = URL(fileURLWithPath: "/usr/bin/gdb-multiarch")
        gdb.arguments = ["-nx", "-batch", program] + commands.flatMap { ["-ex", $0] }
        let out = Pipe()
        gdb.standardOutput = out
        gdb.standardError = out
        gdb.standardInput = FileHandle.nullDevice
        try gdb.run()
        let transcript = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gdb.waitUntilExit()
        return transcript
    }

    static func requireTools() throws {
        try #require(FileManager.default.fileExists(atPath: target), "the test command builds Guests/isa-tests")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb-multiarch"),
                     "gdb-multiarch is missing: scripts/setup.sh installs it")
    }

    /// The session a user types, in gdb's batch mode: a breakpoint hit twice, a write and
    /// a read watchpoint (gdb's old and new values), a register, a memory write that the
    /// program then sees, a hardware breakpoint, and the program's own end.
    @Test func gdbMultiarchDebugsABareMetalProgram() throws {
        try Self.requireTools()
        let debuggee = try Debuggee(["--bios", Self.target, "--gdb-wait"])
        defer { debuggee.stop() }
        let commands = [
            "target remote 127.0.0.1:\(debuggee.port)",
            "p/x $pc",
            "break *count_loop", "continue", "continue", "p $t0",
            "stepi", "p/x $pc",
            "delete", "watch *(long *)&counter", "continue", "continue",
            "delete", "rwatch *(long *)&counter", "continue", "p/x $pc",
            "delete", "set var *(long *)&counter = 98", "p $priv", "p/x $mhartid",
            "hbreak *check", "continue", "p *(long *)&counter", "info threads",
            "delete", "continue",
        ]
        let transcript = try Self.gdb(Self.target, commands)
        for expected in [
            "$1 = 0x80000000",  // held before the first instruction
            "Breakpoint 1, 0x0000000080000034 in count_loop ()",
            "$2 = 1",  // the second time round: counter was 1
            "$3 = 0x80000038",  // one instruction on
            "Old value = 1\nNew value = 2", "Old value = 2\nNew value = 3",
            "Value = 3",
            "$4 = 0x80000038",  // the read stopped at the load, which gdb then stepped
            "$5 = 3",  // M-mode
            "$6 = 0x0",
            "Breakpoint 4, 0x0000000080000042 in check ()",
            "$7 = 100",  // from 98, two more rounds
            "Thread 1 (hart 0, M-mode)",
            "exited normally",
        ] {
            #expect(transcript.contains(expected), "missing '\(expected)' in:\n\(transcript)")
        }
        #expect(debuggee.exitStatus() == 0)
    }

    /// The protocol from a plain client: escaped binary writes read back, refusals for a
    /// bad checksum, memory that is not RAM and a register that does not exist, and the
    /// program's exit status in the exit packet after a write made it fail.
    @Test func theProtocolRefusesWhatItCannotDo() throws {
        try Self.requireTools()
        let counter = try #require(try ELFImage(bytes: try HostFile.readAll(Self.target), path: Self.target).symbols["counter"])
        let debuggee = try Debuggee(["--bios", Self.target, "--gdb-wait"])
        defer { debuggee.stop() }
        let client = try Client(port: debuggee.port)
        #expect(try client.request("?") == "T05thread:1;")
        #expect(try client.request("qfThreadInfo") == "m1")
        // 0x23 '#', 0x24 '$', 0x7d '}' and 0x2a '*' travel escaped.
        let value: [UInt8] = [0x23, 0x24, 0x7D, 0x2A, 0x01, 0, 0, 0]
        var escaped: [UInt8] = []
        for byte in value {
            if [0x23, 0x24, 0x7D, 0x2A].contains(byte) { escaped += [0x7D, byte ^ 0x20] } else { escaped.append(byte) }
        }
        client.send(Array("X\(String(counter, radix: 16)),8:".utf8) + escaped)
        #expect(try client.reply() == "OK")
        #expect(try client.request("m\(String(counter, radix: 16)),8") == "23247d2a01000000")
        #expect(client.rawAnswer(to: Array("$g#00".utf8)) == Array("-".utf8), "a bad checksum is refused")
        #expect(try client.request("m0,4") == "E14", "address 0 is not RAM")
        #expect(try client.request("p2000") == "E01", "no register 0x2000")
        #expect(try client.request("Z9,0,0") == "", "an unknown point type is not supported")
        // counter is far past 100 now: the program's check fails with its code 1.
        #expect(try client.request("vCont;c") == "W01")
        #expect(debuggee.exitStatus() == 1)
    }

    /// The kernel debugged from its first instruction with its own symbols: a hardware
    /// breakpoint at `start_kernel` (a virtual address, reached once the MMU is on), the
    /// registers, disassembly there, a step, and after `detach` the guest boots on.
    @Test func gdbMultiarchStopsLinuxAtStartKernel() throws {
        try Self.requireTools()
        let image = try #require(GuestImages.defaultImage, "the test command builds the default image")
        let vmlinux = try #require(image.symbols.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil },
                                   "the default image keeps vmlinux (Guests/linux/build.sh)")
        let consoleFile = NSTemporaryDirectory() + "isola-gdb-console-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: consoleFile) }
        let debuggee = try Debuggee(["--gdb-wait", "--console", "file:" + consoleFile])
        defer { debuggee.stop() }
        let transcript = try Self.gdb(vmlinux, [
            "target remote 127.0.0.1:\(debuggee.port)", "hbreak start_kernel", "continue",
            "info registers pc", "p $priv", "x/4i $pc", "stepi", "info registers pc", "detach",
        ])
        #expect(transcript.contains("in start_kernel"), "\(transcript)")
        #expect(transcript.contains("$1 = 1"), "S-mode at start_kernel: \(transcript)")
        #expect(transcript.contains("=> 0xffffffff8"), "x/4i shows the kernel's code at its virtual address: \(transcript)")
        #expect(transcript.contains("(Remote target) detached"), "\(transcript)")
        // Detached, the guest boots on to its init.
        let deadline = Date().addingTimeInterval(60)
        var console = ""
        while Date() < deadline {
            console = (try? String(contentsOfFile: consoleFile, encoding: .utf8)) ?? ""
            if console.contains("isola: init reached") { break }
            usleep(100_000)
        }
        #expect(console.contains("isola: init reached"), "\(console.suffix(1000))")
    }

    /// Ctrl-C stops a running Linux guest wherever it is, with its harts as threads; `k` ends it.
    @Test func ctrlCStopsARunningLinuxGuest() throws {
        try Self.requireTools()
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let debuggee = try Debuggee(["--cpus", "2"])
        defer { debuggee.stop() }
        let client = try Client(port: debuggee.port)
        #expect(try client.request("?").hasPrefix("T05thread:"))
        #expect(try client.request("qfThreadInfo") == "m1,2")
        client.send(Array("vCont;c".utf8))
        usleep(1_500_000)
        client.socket.write(bytes: [0x03])
        #expect(try client.reply().hasPrefix("T02thread:"))
        let priv = try client.request("p1041")
        #expect(priv == "0100000000000000" || priv == "0000000000000000", "S- or U-mode: \(priv)")
        let pc = try client.request("p20")
        #expect(pc.count == 16)
        #expect(try client.request("Hg2") == "OK")
        #expect(try client.request("qThreadExtraInfo,2").count > 0)
        client.send(Array("k".utf8))
        #expect(debuggee.exitStatus() != nil, "the VM ends after k")
    }
}
