import Foundation
import IsolaVMM
import Testing

let containerdAvailable = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/ctr")

/// `isola-runtime` behind the real client: containerd (started by each test on a
/// socket of its own) and ctr, with containerd's runc shim calling isola-runtime as
/// its runc. Every container is a VM booting (or cloned from a template of) the
/// default image's kernel with the container init. containerd needs root: without
/// it (or without containerd) the tests say so and are skipped.
@Suite(.serialized, .enabled(if: containerdAvailable, "needs root and containerd (scripts/setup.sh installs it)"))
struct ContainerRuntimeTests {
    static var runtime: String {
        URL(fileURLWithPath: CommandLineTests.executable).deletingLastPathComponent().appendingPathComponent("isola-runtime").path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a program to its end, with `input` on its standard input.
    /// With `files`, its output goes to files rather than pipes: `isola-runtime create`
    /// leaves a worker behind that holds its standard streams, as runc's container does.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], input: String? = nil, timeout: Double = 120, files: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if files {
            let base = NSTemporaryDirectory() + "isola-ct-out-\(UUID().uuidString)"
            FileManager.default.createFile(atPath: base + ".out", contents: nil)
            FileManager.default.createFile(atPath: base + ".err", contents: nil)
            defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
            process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
            process.standardError = FileHandle(forWritingAtPath: base + ".err")
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return Result(status: process.terminationStatus, stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        let timer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A riscv64 BusyBox root file system: the default image's static BusyBox and its applets.
    static func busyboxRoot(in directory: String) throws -> String {
        let image = try #require(GuestImages.defaultImage, "the test command builds the default image")
        let rootfs = directory + "/rootfs"
        for d in ["bin", "proc", "sys", "dev", "etc", "tmp", "root"] {
            try FileManager.default.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: image.directory + "/busybox", toPath: rootfs + "/bin/busybox")
        for applet in ["sh", "echo", "cat", "ls", "sleep", "ps", "mkdir", "rm", "touch", "true", "false", "env", "id", "hostname",
                       "uname", "ping", "ip", "ifconfig", "stty", "tty", "seq", "kill", "test", "wc", "grep"] {
            try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: rootfs + "/etc/passwd", atomically: false, encoding: .utf8)
        return rootfs
    }

    /// containerd on a socket and state of its own, stopped when the test ends.
    final class Containerd {
        let directory: String
        let process = Process()
        var socket: String { directory + "/sock" }
        /// A namespace of its own, so the shim's runc root (and isola-runtime's templates) are this test's.
        let namespace = "isola-test-\(getpid())"

        init() throws {
            directory = "/tmp/isola-ctd-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let config = """
                version = 2
                root = "\(directory)/root"
                state = "\(directory)/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "\(socket)"
                """
            try config.write(toFile: directory + "/config.toml", atomically: false, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/containerd")
            process.arguments = ["--config", directory + "/config.toml"]
            let log = FileHandle(forWritingAtPath: "/dev/null")
            process.standardOutput = log
            process.standardError = log
            try process.run()
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { usleep(25_000) }
            try #require(FileManager.default.fileExists(atPath: socket), "containerd did not start")
        }

        @discardableResult
        func ctr(_ arguments: [String], input: String? = nil) throws -> Result {
            try ContainerRuntimeTests.run("/usr/bin/ctr", ["--address", socket, "--namespace", namespace] + arguments, input: input)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: "/run/containerd/runc/\(namespace)")
        }
    }

    static let minimalConfig = #"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sleep", "60"], "cwd": "/"}}"#

    static func scratch() throws -> String {
        let path = "/tmp/isola-ct-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func runPrintsOutputAndReturnsTheExitStatus() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rootfs = try Self.busyboxRoot(in: dir)
        let containerd = try Containerd()
        // Twice: the first boots and leaves a template, the second is a clone of it.
        for id in ["first", "clone"] {
            let r = try containerd.ctr(["run", "--rm", "--runc-binary", Self.runtime, "--env", "A=b=c", "--rootfs", rootfs, id,
                                        "sh", "-c", "echo hello from $(uname -m) A=$A; echo to-stderr >&2; exit 7"])
            #expect(r.status == 7, "\(id): \(r.stderr)")
            #expect(r.stdout.contains("hello from riscv64 A=b=c"), "\(id): \(r.stdout)")
            #expect(r.stderr.contains("to-stderr") && !r.stdout.contains("to-stderr"), "stderr is kept apart: \(r.stderr)")
        }
        let templates = try FileManager.default.contentsOfDirectory(atPath: "/run/containerd/runc/\(containerd.namespace)/templates")
        #expect(templates.contains { $0.hasSuffix(".snap") }, "\(templates)")
        // Standard input reaches the container's process, and its end is the process's end of
        // input (through the runtime alone: ctr keeps the FIFO open after its input ends).
        let config = #"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["wc", "-l"], "cwd": "/"}}"#
        try config.write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        let counted = try Self.run(Self.runtime, ["--root", dir + "/state", "run", "--bundle", dir, "stdin"], input: "one\ntwo\nthree\n")
        #expect(counted.status == 0 && counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(counted.stdout) \(counted.stderr)")
    }

    @Test func detachedContainerExecPsKillDelete() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rootfs = try Self.busyboxRoot(in: dir)
        let containerd = try Containerd()
        let started = try containerd.ctr(["run", "-d", "--runc-binary", Self.runtime, "--rootfs", rootfs, "web",
                                          "sh", "-c", "trap 'echo got TERM; exit 3' TERM; while true; do sleep 0.1; done"])
        #expect(started.status == 0, "\(started.stderr)")
        let ps = try containerd.ctr(["task", "ps", "web"])
        let pid = try #require(ps.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.flatMap { Int32($0) }, "\(ps.stdout)")
        #expect(kill(pid, 0) == 0, "the container's pid \(pid) is a live host process")
        let exec = try containerd.ctr(["task", "exec", "--exec-id", "e1", "web", "sh", "-c", "echo exec in $(uname -m); ls /bin/busybox; exit 4"])
        #expect(exec.status == 4, "\(exec.stderr)")
        #expect(exec.stdout.contains("exec in riscv64") && exec.stdout.contains("/bin/busybox"), "\(exec.stdout)")
        #expect(try containerd.ctr(["task", "kill", "web"]).status == 0)
        var listing = ""
        for _ in 0..<100 {
            listing = try containerd.ctr(["task", "ls"]).stdout
            if listing.contains("STOPPED") { break }
            usleep(50_000)
        }
        #expect(listing.contains("web") && listing.contains("STOPPED"), "\(listing)")
        let deleted = try containerd.ctr(["task", "delete", "web"])
        #expect(deleted.stderr.contains("exit code 3") || deleted.stdout.contains("3"), "the trap's status: \(deleted.stdout) \(deleted.stderr)")
        #expect(try containerd.ctr(["container", "rm", "web"]).status == 0)
        #expect(kill(pid, 0) != 0, "the worker is gone")
    }

    @Test func terminalContainer() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rootfs = try Self.busyboxRoot(in: dir)
        let containerd = try Containerd()
        // Python's pty.spawn gives ctr the terminal it needs for -t (and its status back).
        let spawn = "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))"
        let r = try Self.run("/usr/bin/python3", ["-c", spawn, "/usr/bin/ctr", "--address", containerd.socket, "--namespace", containerd.namespace,
                                                  "run", "-t", "--rm", "--runc-binary", Self.runtime, "--rootfs", rootfs, "tty",
                                                  "sh", "-c", "tty; echo product=$((6*7)); exit 5"])
        #expect(r.stdout.contains("/dev/pts/"), "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("product=42"))
        #expect(r.status == 5)
    }

    @Test func twoContainersRunAtOnceInTwoVMs() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let containerd = try Containerd()
        var pids: [String] = []
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
            let rootfs = try Self.busyboxRoot(in: dir + "/" + name)
            let r = try containerd.ctr(["run", "-d", "--runc-binary", Self.runtime, "--rootfs", rootfs, name, "sh", "-c", "sleep 60"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let listing = try containerd.ctr(["task", "ls"]).stdout
        for line in listing.split(separator: "\n") where line.contains("RUNNING") { pids.append(String(line.split(separator: " ")[1])) }
        #expect(pids.count == 2 && Set(pids).count == 2, "\(listing)")
        // Each has its own guest: a file one makes is not in the other.
        #expect(try containerd.ctr(["task", "exec", "--exec-id", "m", "a", "touch", "/tmp/only-in-a"]).status == 0)
        #expect(try containerd.ctr(["task", "exec", "--exec-id", "m", "a", "ls", "/tmp/only-in-a"]).status == 0)
        #expect(try containerd.ctr(["task", "exec", "--exec-id", "m", "b", "ls", "/tmp/only-in-a"]).status != 0)
        for name in ["a", "b"] {
            try containerd.ctr(["task", "kill", "-s", "SIGKILL", name])
            for _ in 0..<100 {
                if try containerd.ctr(["task", "delete", name]).status == 0 { break }
                usleep(50_000)
            }
            try containerd.ctr(["container", "rm", name])
        }
    }

    /// The runtime by itself, as the specification's operations: its state output and the
    /// bundles it accepts against the specification's JSON schemas, and what it refuses.
    @Test func stateAndBundlesMatchTheSpecificationsSchemas() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rootfs = try Self.busyboxRoot(in: dir)
        _ = rootfs
        let root = dir + "/state", log = dir + "/log.json"
        let hookOut = dir + "/hooks"
        try FileManager.default.createDirectory(atPath: hookOut, withIntermediateDirectories: true)
        func hook(_ name: String) -> [String: Any] { ["path": "/bin/sh", "args": ["sh", "-c", "cat > \(hookOut)/\(name)"]] }
        let config: [String: Any] = [
            "ociVersion": "1.0.2", "root": ["path": "rootfs"], "hostname": "boxed",
            "process": ["args": ["sh", "-c", "hostname; echo $GREETING; id -u"], "cwd": "/", "env": ["PATH=/bin", "GREETING=hi"],
                        "user": ["uid": 1000, "gid": 1000], "rlimits": [["type": "RLIMIT_NOFILE", "soft": 256, "hard": 256]]],
            "hooks": ["createRuntime": [hook("createRuntime")], "poststart": [hook("poststart")], "poststop": [hook("poststop")]],
            "annotations": ["io.isola.memory": "128M"],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let env = try APIFuzzTests.pythonEnvironment()
        let validate = GuestRunner.repositoryRoot.appendingPathComponent("Tests/OCI/validate.py").path
        let bundleCheck = try Self.run(env + "/bin/python", [validate, "config", dir + "/config.json"])
        #expect(bundleCheck.status == 0, "\(bundleCheck.stdout)")

        let global = ["--root", root, "--log", log, "--log-format", "json"]
        #expect(try Self.run(Self.runtime, global + ["create", "--bundle", dir, "c1"], files: true).status == 0)
        func state(_ expected: String) throws {
            let r = try Self.run(Self.runtime, global + ["state", "c1"])
            #expect(r.status == 0, "\(r.stderr)")
            try r.stdout.write(toFile: dir + "/state-\(expected).json", atomically: false, encoding: .utf8)
            let checked = try Self.run(env + "/bin/python", [validate, "state", dir + "/state-\(expected).json"])
            #expect(checked.status == 0, "\(checked.stdout)")
            #expect(r.stdout.contains("\"status\" : \"\(expected)\""), "\(r.stdout)")
            #expect(r.stdout.contains("\"id\" : \"c1\"") && r.stdout.contains("\"bundle\" : \"\(dir)\""))
        }
        try state("created")
        let started = try Self.run(Self.runtime, global + ["start", "c1"])
        #expect(started.status == 0, "\(started.stderr)")
        for _ in 0..<100 {
            if try Self.run(Self.runtime, global + ["state", "c1"]).stdout.contains("stopped") { break }
            usleep(50_000)
        }
        try state("stopped")
        #expect(try Self.run(Self.runtime, global + ["delete", "c1"]).status == 0)
        // The hooks ran on the host with the state on their standard input.
        for name in ["createRuntime", "poststart", "poststop"] {
            let text = (try? String(contentsOfFile: hookOut + "/" + name, encoding: .utf8)) ?? ""
            #expect(text.contains("\"id\":\"c1\""), "\(name): \(text)")
        }
        #expect(((try? String(contentsOfFile: hookOut + "/poststop", encoding: .utf8)) ?? "").contains("\"status\":\"stopped\""))

        let missing = try Self.run(Self.runtime, global + ["state", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("container nope does not exist"), "\(missing.stderr)")
        let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(logged.contains("\"level\":\"error\"") && logged.contains("does not exist"), "\(logged)")

        // Malformed bundles: refused naming the field, and nothing left behind.
        let bad: [(String, String)] = [
            (#"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"]}}"#, "process.cwd"),
            (#"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/", "env": [7]}}"#, "process.env[0]"),
            (#"{"ociVersion": "1.0.2", "root": {"path": "no-such-dir"}, "process": {"args": ["sh"], "cwd": "/"}}"#, "root.path"),
            (#"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/", "terminal": true}}"#, "console-socket"),
            (#"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}, "annotations": {"io.isola.memory": "lots"}}"#, "io.isola.memory"),
        ]
        for (text, field) in bad {
            try text.write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
            let r = try Self.run(Self.runtime, global + ["create", "--bundle", dir, "bad"], files: true)
            #expect(r.status == 1 && r.stderr.contains(field), "\(field): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: root + "/bad"), "nothing is left of a refused create")
        }
        // A created container (its VM prepared, nothing run) is deleted without --force, as runc does.
        try Self.minimalConfig.write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        #expect(try Self.run(Self.runtime, global + ["create", "--bundle", dir, "c2"], files: true).status == 0)
        let worker = try #require(Int32(try Self.run(Self.runtime, global + ["state", "c2"]).stdout
            .firstMatch(of: /"pid" : ([0-9]+)/).map { String($0.1) } ?? ""))
        #expect(try Self.run(Self.runtime, global + ["delete", "c2"]).status == 0)
        // Gone, or a zombie its new parent has not reaped yet.
        let stat = (try? String(contentsOfFile: "/proc/\(worker)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "\(stat)")
        #expect(!FileManager.default.fileExists(atPath: root + "/c2"))
        let features = try Self.run(Self.runtime, ["features"])
        #expect(features.status == 0 && features.stdout.contains("\"ociVersionMax\""))
    }

    @Test func containerInANetworkNamespacePingsItsPeer() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/usr/bin/ip"),
                     "iproute2 (scripts/setup.sh)")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.busyboxRoot(in: dir)
        // A /30 of 192.0.2.0/24 (TEST-NET-1) that no host interface is on.
        let used = try Self.run("/usr/sbin/ip", ["-4", "-o", "addr"]).stdout
        let base = try #require(stride(from: 200, to: 252, by: 4).first { b in
            !(b...b + 3).contains { used.contains("192.0.2.\($0)/") }
        })
        let host = "192.0.2.\(base + 1)", guest = "192.0.2.\(base + 2)"
        let ns = "isola-ct-\(getpid())", veth = "isola-v\(getpid() % 100_000)"
        let ip = "/usr/sbin/ip"
        defer {
            _ = try? Self.run(ip, ["link", "del", veth])
            _ = try? Self.run(ip, ["netns", "del", ns])
        }
        for command in [["netns", "add", ns], ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns],
                        ["addr", "add", host + "/30", "dev", veth], ["link", "set", veth, "up"],
                        ["-n", ns, "addr", "add", guest + "/30", "dev", "eth0"], ["-n", ns, "link", "set", "eth0", "up"],
                        ["-n", ns, "route", "add", "default", "via", host]] {
            let r = try Self.run(ip, command)
            try #require(r.status == 0, "ip \(command.joined(separator: " ")): \(r.stderr)")
        }
        let config: [String: Any] = [
            "ociVersion": "1.0.2", "root": ["path": "rootfs"],
            "process": ["args": ["sh", "-c", "ip -4 -o addr show eth0; ip route; ping -c 2 -W 3 \(host)"], "cwd": "/"],
            "linux": ["namespaces": [["type": "network", "path": "/var/run/netns/\(ns)"]]],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let root = dir + "/state"
        // run: create, start, wait and delete; the container's output is the worker's, which is run's.
        let ran = try Self.run(Self.runtime, ["--root", root, "run", "--bundle", dir, "net"])
        #expect(ran.stdout.contains("\(guest)/30"), "the guest took the namespace's address: \(ran.stdout) \(ran.stderr)")
        #expect(ran.stdout.contains("default via \(host)"), "\(ran.stdout)")
        #expect(ran.stdout.contains("2 packets received"), "\(ran.stdout)")
        // The namespace has its address back for the next container.
        #expect(try Self.run(ip, ["-n", ns, "-4", "-o", "addr", "show", "eth0"]).stdout.contains(guest + "/30"))
    }
}
