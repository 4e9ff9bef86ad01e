import Foundation
import IsolaVMM
import Testing

/// `isola run --share`: the default guest mounts host directories over virtio-fs and
/// changes them, and the host sees every change (and the guest the host's).
@Suite(.serialized) struct SharedDirectoryTests {
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "isola-share-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func guestAndHostSeeEachOthersChanges() throws {
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let share = base + "/share", outside = base + "/outside", readonly = base + "/readonly"
        for dir in [share, outside, readonly] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try "from the host\n".write(toFile: share + "/from-host", atomically: false, encoding: .utf8)
        try "delete me".write(toFile: share + "/to-delete", atomically: false, encoding: .utf8)
        try "secret".write(toFile: outside + "/secret", atomically: false, encoding: .utf8)
        try "keep".write(toFile: readonly + "/kept", atomically: false, encoding: .utf8)
        // A link planted by the host that points out of the share: the guest resolves it in its own tree.
        try FileManager.default.createSymbolicLink(atPath: share + "/escape", withDestinationPath: outside)
        let script = [
            "mkdir -p /mnt/s /mnt/r",
            "mount -t virtiofs hostshare /mnt/s && mount -t virtiofs ro /mnt/r && echo mounted",
            "cat /mnt/s/from-host",
            "echo written by the guest > /mnt/s/new",
            "mkdir /mnt/s/dir && mv /mnt/s/new /mnt/s/dir/renamed && chmod 640 /mnt/s/dir/renamed",
            "ln -s /etc/hostname /mnt/s/link && ln /mnt/s/dir/renamed /mnt/s/hardlink",
            "rm /mnt/s/to-delete",
            "dd if=/dev/urandom of=/mnt/s/big bs=65536 count=40 2>/dev/null && md5sum /mnt/s/big",
            "ls /mnt/s | tr '\\n' ' '; echo",
            "cat /mnt/s/escape/secret 2>&1 || echo escape refused",
            "touch /mnt/r/x 2>&1 || echo readonly refused",
            "cat /mnt/r/kept; echo",
            "umount /mnt/s && umount /mnt/r && echo unmounted",
        ].joined(separator: "; ")
        let r = try CommandLineTests.isola(["run", "--share", share + ":hostshare", "--share", readonly + ":ro,readonly",
                                            "--append", "console=ttyS0 quiet ISOLA_CMD=\"\(script)\""])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout
        #expect(out.contains("mounted"), "\(out)")
        #expect(out.contains("from the host"))
        #expect(try String(contentsOfFile: share + "/dir/renamed", encoding: .utf8) == "written by the guest\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: share + "/dir/renamed")
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect((attributes[.referenceCount] as? Int) == 2, "the hard link is the same file")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: share + "/link") == "/etc/hostname")
        #expect(!FileManager.default.fileExists(atPath: share + "/to-delete") && !FileManager.default.fileExists(atPath: share + "/new"))
        let big = try Data(contentsOf: URL(fileURLWithPath: share + "/big"))
        #expect(big.count == 40 * 65536)
        let md5 = Process()
        md5.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
        md5.arguments = [share + "/big"]
        let pipe = Pipe()
        md5.standardOutput = pipe
        try md5.run()
        md5.waitUntilExit()
        let hostSum = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(32)
        #expect(out.contains("\(hostSum)  /mnt/s/big"), "the guest's md5 is the host's \(hostSum): \(out)")
        #expect(out.contains("big dir escape from-host hardlink link"), "\(out)")
        #expect(out.contains("escape refused") && !out.contains("secret\n"))
        #expect(out.contains("readonly refused") && out.contains("Read-only file system"))
        #expect(out.contains("keep"))
        #expect(!FileManager.default.fileExists(atPath: readonly + "/x"))
        #expect(out.contains("unmounted"))
    }

    @Test func badShareArgumentsAreRefused() throws {
        let cli = CommandLineTests()
        cli.expectOneLineError(try CommandLineTests.isola(["run", "--share", "/tmp"]), mentioning: "HOSTDIR:TAG")
        cli.expectOneLineError(try CommandLineTests.isola(["run", "--share", "/tmp:" + String(repeating: "t", count: 37)]), mentioning: "36 bytes")
        cli.expectOneLineError(try CommandLineTests.isola(["run", "--share", "/tmp:a", "--share", "/var:a"]), mentioning: "twice")
        cli.expectOneLineError(try CommandLineTests.isola(["run", "--share", "/nonexistent-dir:a"]), mentioning: "/nonexistent-dir")
        cli.expectOneLineError(try CommandLineTests.isola(["run", "--share", "/tmp:a,writable"]), mentioning: "writable")
    }
}
