import Foundation
import IsolaCore
import IsolaRISCV
import IsolaVMM
import Testing

/// Snapshots of real Linux guests: a counter and a disk writer keep going from where
/// they were saved, after a restore, in a copied bundle and in clones, and disk and
/// network traffic keep flowing across a restore.
@Suite(.serialized) struct SnapshotTests {
    typealias RunningVM = LinuxBootTests.RunningVM

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "isola-snapshots-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A bundle booting the default image to a shell, with an ext4 disk (an overlay on a fresh base).
    static func bundle(in directory: String, name: String = "vm1", networks: [String] = []) throws -> VMBundle {
        let image = try LinuxBootTests.image()
        let base = try LinuxBootTests.ext4Image()
        let file = VMConfigurationFile(name: name, memory: "256M", kernel: image.kernel, initrd: image.initramfs,
                                       append: "console=ttyS0 quiet", disks: [.init(path: base)], networks: networks)
        return try VMBundle.create(directory: directory + "/\(name).isola", configuration: file)
    }

    static func boot(_ bundle: VMBundle, engine: ExecutionEngine? = nil) throws -> RunningVM {
        var (configuration, boot) = try bundle.machine()
        if let engine { configuration.engine = engine }
        let running = try RunningVM { try VirtualMachine(configuration: configuration, boot: boot, console: $0) }
        #expect(running.waitFor("/ # "), "no shell: \(running.console.capturedText.suffix(800))")
        return running
    }

    static func restore(_ snapshot: String, clone: String? = nil, engine: ExecutionEngine? = nil) throws -> (RunningVM, SnapshotRestore) {
        let restore = try SnapshotRestore.prepare(snapshotPath: snapshot, clone: clone)
        var configuration = restore.configuration
        if let engine { configuration.engine = engine }
        let running = try RunningVM {
            try VirtualMachine(restoring: restore.snapshot, configuration: configuration, boot: restore.boot,
                               clock: .resume, console: $0)
        }
        try restore.commit()
        return (running, restore)
    }

    /// Counts in the guest's shell, writing each count's data and its checksum to the
    /// disk, until /tmp/stop exists.
    static let counter = "mount /dev/vda /mnt && (i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); seq 1 $((i*40)) > /mnt/data; md5sum /mnt/data > /mnt/data.md5; echo count=$i; sleep 0.1; done; echo LOOP-DONE) &\n"

    static func counts(_ text: String) -> [Int] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            line.hasPrefix("count=") ? Int(line.dropFirst(6)) : nil
        }
    }

    /// Stops the counter, checks the disk's data against its checksum, powers off.
    static func checkDiskAndPowerOff(_ running: RunningVM) {
        running.vm.type(Array("touch /tmp/stop\n".utf8))
        #expect(running.waitFor("LOOP-DONE"), "\(running.console.capturedText.suffix(800))")
        running.vm.type(Array("md5sum -c /mnt/data.md5 && umount /mnt && echo DISK-OK; poweroff\n".utf8))
        #expect(running.waitFor("DISK-OK"), "\(running.console.capturedText.suffix(800))")
        #expect(running.finish()?.outcome == .poweroff(exitCode: 0))
    }

    /// Saves snapshot `tag` while the counter runs; answers its path and the last count before it.
    static func snapshot(_ running: RunningVM, _ bundle: VMBundle, tag: String) throws -> (path: String, count: Int) {
        let (path, summary) = try bundle.saveSnapshot(of: running.vm, tag: tag)
        let count = counts(running.console.capturedText).last ?? 0
        #expect(summary.savedPages > 0)
        return (path, count)
    }

    /// Saved under one engine, restored under the other as well as the same: a snapshot
    /// holds no translations, only the machine.
    @Test(arguments: [ExecutionEngine.jit, .interpreter])
    func aRestoredGuestCountsOnAndItsDiskIsIntactAlsoInACopiedBundle(engine: ExecutionEngine) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bundle = try Self.bundle(in: directory)
        let other: ExecutionEngine = engine == .jit ? .interpreter : .jit
        let original = try Self.boot(bundle, engine: engine)
        original.vm.type(Array(Self.counter.utf8))
        #expect(original.waitFor("count=8"))
        let (path, saved) = try Self.snapshot(original, bundle, tag: "s1")
        // The original goes on (its disk moves past the snapshot's), then stops.
        original.vm.resume()
        #expect(original.waitFor("count=\(saved + 10)"))
        original.vm.stop()
        _ = original.finish()

        let copy = directory + "/vm2.isola"
        try FileManager.default.copyItem(atPath: bundle.directory, toPath: copy)
        for (snapshotPath, restoreEngine) in [(path, engine), (copy + "/snapshots/s1.snap", other)] {
            let (restored, restore) = try Self.restore(snapshotPath, engine: restoreEngine)
            #expect(restored.vm.machine.engine == restoreEngine)
            #expect(restored.waitFor("count=\(saved + 5)"), "\(restored.console.capturedText.suffix(800))")
            let seen = Self.counts(restored.console.capturedText)
            #expect(seen.first == saved + 1 || seen.first == saved, "counted \(seen.prefix(3)) after a snapshot at \(saved)")
            #expect(seen == Array((seen.first ?? 0)..<((seen.first ?? 0) + seen.count)), "counts skip: \(seen)")
            Self.checkDiskAndPowerOff(restored)
            #expect(restore.bundle?.configuration.name == (snapshotPath == path ? "vm1" : "vm2"))
        }
    }

    @Test func clonesOfOneSnapshotDivergeIndependently() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bundle = try Self.bundle(in: directory)
        let original = try Self.boot(bundle)
        original.vm.type(Array("mount /dev/vda /mnt && echo original > /mnt/who && sync && echo MOUNTED\n".utf8))
        #expect(original.waitFor("MOUNTED"))
        let (path, _) = try bundle.saveSnapshot(of: original.vm, tag: "warm")
        original.vm.stop()
        _ = original.finish()

        var clones: [RunningVM] = []
        for name in ["a", "b"] {
            let (clone, _) = try Self.restore(path, clone: directory + "/clone-\(name).isola")
            clone.vm.type(Array("cat /mnt/who; echo clone-\(name) > /mnt/who && sync && cat /mnt/who\n".utf8))
            #expect(clone.waitFor("\nclone-\(name)\r"), "\(clone.console.capturedText.suffix(500))")
            clones.append(clone)
        }
        for (clone, name) in zip(clones, ["a", "b"]) {
            clone.vm.type(Array("sleep 0.3; cat /mnt/who; umount /mnt && poweroff\n".utf8))
            _ = clone.finish()
            let lines = clone.console.capturedText.split(whereSeparator: \.isNewline).map(String.init)
            #expect(lines.contains("original"), "a clone did not start from the snapshot's disk")
            #expect(lines.filter { $0.hasPrefix("clone-") }.allSatisfy { $0 == "clone-\(name)" }, "clone \(name) saw another's write: \(lines.suffix(6))")
        }
        // The snapshot's frozen layer is as it was: a third clone still reads "original".
        let (third, _) = try Self.restore(path, clone: directory + "/clone-c.isola")
        third.vm.type(Array("cat /mnt/who; umount /mnt; poweroff\n".utf8))
        _ = third.finish()
        #expect(third.console.capturedText.split(whereSeparator: \.isNewline).contains("original"))
    }

    /// A restore in the middle of heavy disk and network traffic: both keep flowing,
    /// because every device re-examines its queues after the restore.
    @Test func diskAndNetworkKeepFlowingAcrossARestore() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let switchName = "snap-\(UUID().uuidString.prefix(8))"
        let image = try LinuxBootTests.image()
        let peer = try RunningVM(boot: .linux(kernel: image.kernel, initrd: image.initramfs, bootArguments: "console=ttyS0 quiet"),
                                 networks: [.init(backend: .virtualSwitch(switchName))], name: "peer")
        #expect(peer.waitFor("/ # "))
        peer.vm.type(Array("ifconfig eth0 192.0.2.1 up && while true; do nc -l -p 5000 < /dev/null > /dev/null; done &\n".utf8))
        let bundle = try Self.bundle(in: directory, networks: ["switch:\(switchName)"])
        let busy = try Self.boot(bundle)
        busy.vm.type(Array("ifconfig eth0 192.0.2.2 up && mount /dev/vda /mnt && (n=0; while true; do dd if=/dev/urandom of=/mnt/f bs=64k count=16 2>/dev/null && sync && n=$((n+1)) && echo disk=$n; done) & (m=0; while true; do head -c 262144 /dev/zero | nc -w 1 192.0.2.1 5000 && m=$((m+1)) && echo net=$m; done) &\n".utf8))
        #expect(busy.waitFor("disk=3") && busy.waitFor("net=3"), "\(busy.console.capturedText.suffix(800))")
        // Hold the devices while the guest runs on: it makes requests available and
        // notifies, and nothing takes them. The snapshot saves exactly that state, which
        // only re-examining the queues after the restore can get going again.
        let context = busy.vm.machine.context
        #expect(context.pause())
        for transport in busy.vm.machine.virtioTransports { transport.quiesce() }
        context.resume()
        Thread.sleep(forTimeInterval: 0.5)
        let (path, _) = try bundle.saveSnapshot(of: busy.vm, tag: "busy")
        busy.vm.stop()
        _ = busy.finish()

        let (restored, _) = try Self.restore(path)
        let text = { restored.console.capturedText }
        /// How many rounds of `key` completed after the restore.
        func rounds(_ key: String) -> Int {
            text().split(whereSeparator: \.isNewline).filter { $0.hasPrefix(key + "=") }.count
        }
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline && (rounds("disk") < 3 || rounds("net") < 3) { usleep(100_000) }
        #expect(rounds("disk") >= 3, "disk stalled after the restore: \(text().suffix(600))")
        #expect(rounds("net") >= 3, "network stalled after the restore: \(text().suffix(600))")
        restored.vm.stop()
        _ = restored.finish()
        peer.vm.stop()
        _ = peer.finish()
    }
}
