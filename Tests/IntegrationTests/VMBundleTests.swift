import Foundation
import IsolaVMM
import Testing

/// `isola create` and `isola run NAME`: a VM is a directory, and copying it makes another VM.
@Suite struct VMBundleTests {
    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "isola-bundles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aBundleBootsAndACopyIsASecondIndependentVM() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try LinuxBootTests.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let before = try Data(contentsOf: URL(fileURLWithPath: base))
        // The guest shows what its disk held, then writes its own MAC address there.
        let script = "mount /dev/vda /mnt && echo was:$(cat /mnt/who 2>/dev/null) && cat /sys/class/net/eth0/address > /mnt/who && echo now:$(cat /mnt/who) && umount /mnt"
        let vm1 = directory + "/vm1.isola", vm2 = directory + "/vm2.isola"
        let made = try CommandLineTests.isola(["create", vm1, "--memory", "128M", "--disk", base, "--net", "switch:bundle-\(UUID().uuidString.prefix(8))",
                                               "--append", "console=ttyS0 quiet ISOLA_CMD=\"\(script)\""])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(FileManager.default.fileExists(atPath: vm1 + "/disk0.qcow2"))

        func boot(_ bundle: String) throws -> (was: String, now: String) {
            let r = try CommandLineTests.isola(["run", bundle])
            #expect(r.status == 0, "\(r.stderr)")
            func value(_ key: String) -> String {
                // The serial console ends lines with CR LF.
                r.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix(key) }.map { String($0.dropFirst(key.count)) } ?? "?"
            }
            return (value("was:"), value("now:"))
        }
        let first = try boot(vm1)
        #expect(first.was == "" && first.now.count == 17, "\(first)")
        try FileManager.default.copyItem(atPath: vm1, toPath: vm2)
        let copy = try boot(vm2)
        #expect(copy.was == first.now, "the copy starts from the original's disk")
        #expect(copy.now != first.now, "the copy has a MAC of its own")
        let config = try String(contentsOfFile: vm2 + "/config.json", encoding: .utf8)
        #expect(config.contains("\"name\" : \"vm2\""))
        let again = try boot(vm1)
        #expect(again.was == first.now, "the copy's writes stay in the copy")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before, "the base is never written")
    }

    @Test func createRefusesWhatItCannotMakeAndLeavesNothingBehind() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bundle = directory + "/vm.isola"
        let missing = try CommandLineTests.isola(["create", bundle, "--disk", directory + "/no-such-base.img"])
        #expect(missing.status == 2 && missing.stderr.contains("no-such-base.img"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bundle), "a half-made bundle is removed")
        let badMemory = try CommandLineTests.isola(["create", bundle, "--memory", "lots"])
        #expect(badMemory.status == 2 && badMemory.stderr.contains("memory"))
        #expect(try CommandLineTests.isola(["create", bundle, "--kernel", "/boot/none"]).status == 0)
        let again = try CommandLineTests.isola(["create", bundle])
        #expect(again.status == 2 && again.stderr.contains("exists"))
        let mixed = try CommandLineTests.isola(["run", bundle, "--cpus", "2"])
        #expect(mixed.status == 2 && mixed.stderr.contains("not both"))
    }

    @Test func aBadConfigurationIsRefusedNamingTheField() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bundle = directory + "/bad.isola"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        let valid = #""name": "bad", "memory": "64M", "cpus": 1, "disks": [], "networks": []"#
        for (json, complaint) in [
            (#"{"version": 2, \#(valid)}"#, "version: 2"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": "two", "disks": [], "networks": []}"#, "cpus: in"),
            (#"{"version": 1, "name": "bad", "cpus": 1, "disks": [], "networks": []}"#, "memory: missing"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 1, "disks": [{"path": "x", "format": "vmdk"}], "networks": []}"#, "disks[0].format"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 1, "disks": [{"format": "raw"}], "networks": []}"#, "disks[0].path: missing"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 0, "disks": [], "networks": []}"#, "cpus"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 1, "disks": [], "networks": ["bridge:x"]}"#, "networks[0]"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 1, "disks": [], "networks": [], "engine": "fast"}"#, "engine: 'fast'"),
            (#"{"version": 1, "name": "bad", "memory": "64M", "cpus": 1, "disks": [], "networks": [], "codeCacheMiB": 4096}"#, "codeCacheMiB"),
            ("not json", "not a JSON object"),
        ] {
            try Data(json.utf8).write(to: URL(fileURLWithPath: bundle + "/config.json"))
            let r = try CommandLineTests.isola(["run", bundle])
            #expect(r.status == 2 && r.stderr.contains(complaint), "\(json): \(r.stderr)")
        }
        let none = try CommandLineTests.isola(["run", directory + "/none.isola"])
        #expect(none.status == 2 && none.stderr.contains("not a VM bundle"))
    }
}
