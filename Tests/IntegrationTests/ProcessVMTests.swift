import Foundation
import IsolaVMM
import Testing

/// `isola exec`: riscv64 Linux programs run as host processes (the process VM).
@Suite struct ProcessVMTests {
    static let programs = GuestRunner.repositoryRoot.appendingPathComponent(".build/user-tests")

    static func exec(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, reason: Process.TerminationReason, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        process.arguments = ["exec"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, String(decoding: data, as: UTF8.self))
    }

    static func program(_ name: String) -> String { programs.appendingPathComponent(name).path }

    @Test func argumentsEnvironmentAuxiliaryVectorAndExitStatus() throws {
        let r = try Self.exec([Self.program("args"), "first", "second arg"], environment: ["ISOLA_TEST_VALUE": "42"])
        #expect(r.output == "ok\n")
        #expect(r.status == 3)
    }

    @Test func filesDirectoriesAndTheHeap() throws {
        let directory = NSTemporaryDirectory() + "isola-exec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try Self.exec([Self.program("fileio"), directory])
        #expect(r.output == "ok\n", "\(r.output)")
        #expect(r.status == 0)
    }

    /// AF_UNIX and AF_INET sockets, an epoll loop over eventfd, timerfd and a pipe,
    /// inotify, memfd, copy_file_range, splice and tee (Guests/user-tests/sockets.c).
    @Test(arguments: ["sockets", "sockets-dynamic"])
    func socketsAndEventLoops(_ name: String) throws {
        let directory = NSTemporaryDirectory() + "isola-sockets-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try Self.exec([Self.program(name), directory])
        #expect(r.output == "ok\n" && r.status == 0, "\(name): \(r.output)")
    }

    /// MAP_SHARED with a file and across fork, its mremap and msync, SIGBUS past a file's
    /// end, System V shared memory, semaphores and queues (shared.c); vfork, posix_spawn's
    /// exec failure, robust mutexes and prctl (spawn.c); uname, /proc/cpuinfo,
    /// /proc/self/auxv and /proc/self/maps (machine.c). Static ones under both engines.
    @Test(arguments: ["shared", "spawn", "machine"].flatMap { [[$0], [$0 + "-dynamic"], ["--engine", "interpreter", $0]] })
    func sharedMemoryProcessesAndTheMachine(_ arguments: [String]) throws {
        let directory = NSTemporaryDirectory() + "isola-shared-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try Self.exec(arguments.dropLast() + [Self.program(arguments.last!), directory])
        #expect(r.output == "ok\n" && r.status == 0, "\(arguments): \(r.output)")
    }

    @Test func aWildPointerIsTheProgramsSIGSEGV() throws {
        let r = try Self.exec([Self.program("segv")])
        #expect(r.output == "before\nisola: the program was killed by signal 11 (SIGSEGV)\n", "\(r.output)")
        #expect(r.reason == .uncaughtSignal && r.status == 11, "status \(r.status)")
    }

    @Test func busyboxAppletsMatchTheHost() throws {
        let busybox = try #require(GuestImages.defaultImage.map { URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        #expect(try Self.exec([busybox, "echo", "hello", "world"]).output == "hello world\n")
        #expect(try Self.exec([busybox, "sort"], input: "pear\napple\nfig\n").output == "apple\nfig\npear\n")
        #expect(try Self.exec([busybox, "sh", "-c", "echo $((6*7)); exit 5"]) == (5, .exit, "42\n"))
        let text = String(repeating: "isola process vm\n", count: 5000)
        let sum = try Self.exec([busybox, "sha256sum"], input: text).output
        let host = try LinuxBootTests.shell("printf '%s' '\(text)' | sha256sum").output
        #expect(sum == host)
        let listing = try Self.exec([busybox, "ls", GuestRunner.repositoryRoot.appendingPathComponent("Guests").path]).output
        #expect(listing.split(separator: "\n").contains("user-tests"), "\(listing)")
    }

    @Test func aMissingOrForeignProgramIsAOneLineError() throws {
        let missing = try CommandLineTests.isola(["exec", "/nonexistent/program"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/program"))
        let foreign = try CommandLineTests.isola(["exec", "/bin/true"])
        #expect(foreign.status == 2 && foreign.stderr.contains("/bin/true"), "\(foreign.stderr)")
    }

    @Test func aDeniedSystemCallFailsWithEPERM() throws {
        let busybox = try #require(GuestImages.defaultImage.map { URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        let allowed = try Self.exec([busybox, "cat", "/etc/hostname"])
        #expect(allowed.status == 0)
        let denied = try Self.exec(["--deny-syscall", "openat", busybox, "cat", "/etc/hostname"])
        #expect(denied.status == 1 && denied.output.contains("Operation not permitted"), "\(denied.output)")
        let unknown = try CommandLineTests.isola(["exec", "--deny-syscall", "frobnicate", busybox, "true"])
        #expect(unknown.status == 2 && unknown.stderr.contains("frobnicate"))
    }

    /// Programs that check themselves and print "ok": processes, pipes, threads, signals,
    /// clocks, floating point, code the program writes and runs, and the heap (brk and
    /// mmap as malloc uses them), each linked statically
    /// and dynamically (from the sysroot).
    /// The same programs under the interpreter alone: the reference the translator must match.
    @Test(arguments: ["forkexec", "pipes", "threads", "signals", "clocks", "floats", "jitcode", "heap"])
    func selfCheckingProgramInterpreted(_ name: String) throws {
        let r = try Self.exec(["--engine", "interpreter", Self.program(name)])
        #expect(r.output == "ok\n" && r.status == 0, "\(name): \(r.output)")
    }

    @Test(arguments: ["forkexec", "pipes", "threads", "signals", "clocks", "floats", "jitcode", "heap"].flatMap { [$0, $0 + "-dynamic"] })
    func selfCheckingProgram(_ name: String) throws {
        // The static programs translate their code the first time it runs, the dynamic
        // ones once it is hot (the default): each path of the translator is taken.
        let environment = name.hasSuffix("-dynamic") ? [:] : ["ISOLA_TRANSLATE_AFTER": "1"]
        let r = try Self.exec([Self.program(name)], environment: environment)
        #expect(r.output == "ok\n", "\(name): \(r.output)")
        #expect(r.status == 0)
    }

    @Test func aDynamicProgramFindsItsInterpreterInTheSysroot() throws {
        let r = try Self.exec([Self.program("args-dynamic"), "first", "second arg"], environment: ["ISOLA_TEST_VALUE": "42"])
        #expect(r.output == "ok\n" && r.status == 3, "\(r.output)")
        let none = try CommandLineTests.isola(["exec", "--sysroot", "/nonexistent", Self.program("args-dynamic")])
        #expect(none.status == 2 && none.stderr.contains("ld-linux-riscv64-lp64d.so.1"), "\(none.stderr)")
    }

    @Test func aSignalFromTheHostReachesTheProgramsHandler() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        process.arguments = ["exec", Self.program("signals"), "wait"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let ready = out.fileHandleForReading.availableData
        #expect(String(decoding: ready, as: UTF8.self) == "ready\n")
        kill(process.processIdentifier, SIGINT)
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: rest, as: UTF8.self) == "interrupted\n")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func aPolicyDeniesOpensUnderAPrefixWithEACCES() throws {
        let directory = NSTemporaryDirectory() + "isola-policy-\(UUID().uuidString)"
        for sub in ["public", "secret"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: directory + "/" + sub + "/file", contents: Data())
        }
        _ = FileManager.default.createFile(atPath: directory + "/secretary", contents: Data())
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policy = directory + "/policy.json"
        try Data(#"{"rules": [{"syscall": "openat", "path": "\#(directory)/secret", "action": "deny", "errno": "EACCES"}, {"syscall": "chdir", "action": "log"}]}"#.utf8).write(to: URL(fileURLWithPath: policy))
        let denied = try Self.exec(["--policy", policy, Self.program("policy"), directory])
        #expect(denied.output == "isola: policy: chdir \"\(directory)\" = 0\nok\n", "\(denied.output)")
        #expect(denied.status == 0)
        // Without the policy the same program sees the file open, and says so.
        let open = try Self.exec([Self.program("policy"), directory])
        #expect(open.status == 1 && open.output.contains("EACCES"))

        for (text, complaint) in [(#"{"rules": [{"syscall": "opn", "action": "deny"}]}"#, "rule 1: unknown system call \"opn\""),
                                  (#"{"rules": [{"syscall": "openat", "action": "deny", "errno": "EWHAT"}]}"#, "rule 1: \"errno\""),
                                  (#"{"rules": [{"syscall": "openat", "action": "allow", "mode": 1}]}"#, "rule 1: unknown field \"mode\""),
                                  (#"{"rules": [{"syscall": "openat", "path": "relative", "action": "deny"}]}"#, "rule 1: \"path\" must be an absolute path"),
                                  ("[1", "not a JSON object")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: policy))
            let r = try CommandLineTests.isola(["exec", "--policy", policy, Self.program("policy"), directory])
            #expect(r.status == 2 && r.stderr.contains(complaint), "\(r.stderr)")
        }
    }

    @Test func straceNamesEveryCallAndItsResult() throws {
        let r = try Self.exec(["--strace", Self.program("forkexec")])
        #expect(r.output.contains("ok\n"))
        for call in ["clone(", "execve(", "wait4(", "pipe2(", "readlinkat("] {
            #expect(r.output.contains(call), "\(call) missing")
        }
        #expect(r.output.contains("execve(") && r.output.contains("= -2"), "a failed execve shows ENOENT")
    }

    /// BusyBox's applets under `isola exec` print what they print under `qemu-riscv64`.
    @Test func busyboxMatchesQemuUser() throws {
        let busybox = try #require(GuestImages.defaultImage.map { URL(fileURLWithPath: $0.kernel).deletingLastPathComponent().appendingPathComponent("busybox").path })
        let directory = NSTemporaryDirectory() + "isola-busybox-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/tree/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = (0..<20000).map { "line \($0) of the process vm test \($0 * 7919 % 1000)\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/tree/data.txt"))
        try Data("small\n".utf8).write(to: URL(fileURLWithPath: directory + "/tree/sub/small.txt"))
        let script = """
            cd \(directory) && \(busybox) tar -cf - tree | \(busybox) sha256sum | cut -c1-16 && \
            \(busybox) gzip -9 -c tree/data.txt | \(busybox) sha256sum | cut -c1-16 && \
            \(busybox) gzip -c tree/data.txt | \(busybox) gzip -dc | \(busybox) sha256sum | cut -c1-16 && \
            \(busybox) sh -c 'for i in 1 2 3; do echo $i; done | sort -r | tr "\n" " "; echo' && \
            \(busybox) ls -l tree | \(busybox) sort | cut -c1-10 && \
            \(busybox) sort -n -k2 tree/data.txt | \(busybox) tail -2
            """
        let isola = try LinuxBootTests.shell(script.replacingOccurrences(of: busybox, with: "\(CommandLineTests.executable) exec \(busybox)"))
        let qemu = try LinuxBootTests.shell(script.replacingOccurrences(of: busybox, with: "qemu-riscv64 \(busybox)"))
        #expect(qemu.status == 0 && !qemu.output.isEmpty, "\(qemu.output)")
        #expect(isola.output == qemu.output)
        #expect(isola.status == qemu.status)
    }
}
