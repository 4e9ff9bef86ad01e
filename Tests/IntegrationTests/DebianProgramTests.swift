import Foundation
import Testing

/// Debian trixie's own riscv64 programs (Guests/debian-sysroot) under `isola exec`,
/// each beside `qemu-riscv64 -L` on the same sysroot: the same output, nothing extra
/// on stderr, and the program's death by a signal reported as Linux would.
@Suite struct DebianProgramTests {
    struct Run: Equatable {
        var status: Int32
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    /// The sysroot Guests/debian-sysroot/build.sh keeps for its current inputs (make test builds it first).
    static func sysroot() throws -> String {
        let build = Process()
        build.executableURL = GuestRunner.repositoryRoot.appendingPathComponent("Guests/debian-sysroot/build.sh")
        let out = Pipe()
        build.standardOutput = out
        build.standardError = FileHandle.nullDevice
        try build.run()
        let path = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        build.waitUntilExit()
        try #require(build.terminationStatus == 0 && FileManager.default.isExecutableFile(atPath: path + "/usr/bin/python3.13"),
                     "Guests/debian-sysroot/build.sh gives a sysroot")
        return path
    }

    static func run(_ executable: String, _ arguments: [String], input: String = "") throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // stderr to a file, so neither pipe can fill while the other is read.
        let errorPath = NSTemporaryDirectory() + "isola-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let out = Pipe(), inPipe = Pipe()
        (process.standardOutput, process.standardInput) = (out, inPipe)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = try Data(contentsOf: URL(fileURLWithPath: errorPath))
        return Run(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                   stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self))
    }

    /// The program (a path inside the sysroot) under Isola and under QEMU.
    static func both(_ program: String, _ arguments: [String], input: String = "", options: [String] = []) throws -> (isola: Run, qemu: Run) {
        let root = try sysroot()
        let isola = try run(CommandLineTests.executable, ["exec"] + options + ["--sysroot", root, root + program] + arguments, input: input)
        let qemu = try run("/usr/bin/qemu-riscv64", ["-L", root, root + program] + arguments, input: input)
        return (isola, qemu)
    }

    @Test func python3RunsAndItsHeapHolds() throws {
        let (isola, qemu) = try Self.both("/usr/bin/python3.13", ["-c", "print(1+1)"])
        #expect(isola == Run(status: 0, signaled: false, stdout: "2\n", stderr: ""), "\(isola)")
        #expect(isola == qemu)
        // The standard library from libpython3.13-stdlib, and enough allocation to move the break many times.
        let script = "import json, re, hashlib, zlib; d = {'k': [str(i) * (i % 50) for i in range(20000)]}; "
            + "s = json.dumps(d); print(len(s), hashlib.sha256(s.encode()).hexdigest()[:16], len(zlib.compress(s.encode())), re.sub('o+', '0', 'foo boo'))"
        let (big, bigQemu) = try Self.both("/usr/bin/python3.13", ["-c", script])
        #expect(big.status == 0 && big.stderr.isEmpty, "\(big)")
        #expect(big.stdout == bigQemu.stdout)
    }

    @Test func xzSqliteAndLuaMatchQemuUserQuietly() throws {
        let text = (0..<5000).map { "line \($0) \($0 * 7919 % 1009)\n" }.joined()
        let (xz, xzQemu) = try Self.both("/usr/bin/xz", ["-6", "-c"], input: text)
        #expect(xz.status == 0 && xz.stderr.isEmpty, "xz: \(xz.stderr)")
        #expect(xz.stdout == xzQemu.stdout)
        let sql = "create table t(a, b); insert into t values (1, 'one'), (2, 'two'); select b, a * 21 from t order by a;"
        let (sqlite, sqliteQemu) = try Self.both("/usr/bin/sqlite3", [":memory:", sql])
        #expect(sqlite == Run(status: 0, signaled: false, stdout: "one|21\ntwo|42\n", stderr: ""), "\(sqlite)")
        #expect(sqlite == sqliteQemu)
        let (lua, luaQemu) = try Self.both("/usr/bin/lua5.4", ["-e", "local t = {} for i = 1, 100000 do t[i] = i * i end print(#t, t[300])"])
        #expect(lua == Run(status: 0, signaled: false, stdout: "100000\t90000\n", stderr: ""), "\(lua)")
        #expect(lua == luaQemu)
    }

    /// Python's socket and selectors modules: a socketpair, a TCP server and client on
    /// loopback with 100 kB through an epoll selector, and getaddrinfo.
    @Test func pythonSocketsAndSelectorsMatchQemuUser() throws {
        let script = """
            import socket, selectors
            a, b = socket.socketpair(); a.sendall(b"hi"); print(b.recv(10))
            server = socket.create_server(("127.0.0.1", 0)); port = server.getsockname()[1]
            client = socket.create_connection(("127.0.0.1", port)); peer, address = server.accept()
            client.sendall(b"x" * 100000)
            selector = selectors.DefaultSelector(); selector.register(peer, selectors.EVENT_READ); got = 0
            while got < 100000:
                for key, events in selector.select(timeout=5): got += len(peer.recv(65536))
            print(got, type(selector).__name__, address[0])
            print(socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4])
            """
        let (isola, qemu) = try Self.both("/usr/bin/python3.13", ["-c", script])
        #expect(isola == Run(status: 0, signaled: false, stdout: "b'hi'\n100000 EpollSelector 127.0.0.1\n('127.0.0.1', 80)\n", stderr: ""), "\(isola)")
        #expect(isola == qemu)
    }

    /// iproute2's `ip` talks netlink (AF_NETLINK, RTM_GETLINK and RTM_GETADDR dumps), and
    /// glibc finds interfaces by ioctl (SIOCGIFINDEX): both as under qemu-riscv64.
    @Test func ipAndInterfaceLookupsMatchQemuUser() throws {
        for arguments in [["-o", "link"], ["addr", "show", "lo"], ["-4", "route", "show", "table", "local"]] {
            let (isola, qemu) = try Self.both("/usr/bin/ip", arguments)
            #expect(isola.status == 0 && isola.stderr.isEmpty, "ip \(arguments): \(isola)")
            #expect(isola.stdout == qemu.stdout, "ip \(arguments)")
        }
        let script = "import socket; print(socket.if_nametoindex('lo'), socket.if_indextoname(1)); "
            + "print(socket.getaddrinfo('localhost', 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)[0][4])"
        let (isola, qemu) = try Self.both("/usr/bin/python3.13", ["-c", script])
        #expect(isola == Run(status: 0, signaled: false, stdout: "1 lo\n('127.0.0.1', 80)\n", stderr: ""), "\(isola)")
        #expect(isola == qemu)
    }

    /// What Isola does not implement fails with ENOSYS silently, as for QEMU; asked, it says which.
    @Test func unimplementedCallsAreNamedOnlyWhenAsked() throws {
        let (listed, _) = try Self.both("/usr/bin/xz", ["-c"], input: "x", options: ["--strace=unimplemented"])
        #expect(listed.status == 0)
        #expect(listed.stderr.contains("isola: system call landlock_create_ruleset is not implemented (ENOSYS)"), "\(listed.stderr)")
        #expect(!listed.stderr.contains("openat("), "only the unimplemented calls: \(listed.stderr)")
        let (spaced, _) = try Self.both("/usr/bin/xz", ["-c"], input: "x", options: ["--strace", "unimplemented"])
        #expect(spaced.status == 0 && spaced.stderr == listed.stderr, "--strace unimplemented: \(spaced.stderr)")
        let (traced, _) = try Self.both("/usr/bin/xz", ["-c"], input: "x", options: ["--strace"])
        #expect(traced.stderr.contains("openat(") && traced.stderr.contains("landlock_create_ruleset is not implemented"), "\(traced.stderr)")
    }

    /// abort() ends the program by SIGABRT: Isola dies by the same signal after one line,
    /// never with its own crash report.
    @Test func aProgramThatAbortsEndsBySIGABRT() throws {
        let (isola, qemu) = try Self.both("/usr/bin/python3.13", ["-c", "import os; print('before', flush=True); os.abort()"])
        #expect(isola.signaled && isola.status == 6, "\(isola)")
        #expect(isola.signaled == qemu.signaled && isola.status == qemu.status)
        #expect(isola.stdout == "before\n")
        #expect(isola.stderr == "isola: the program was killed by signal 6 (SIGABRT)\n", "\(isola.stderr)")
    }
}
