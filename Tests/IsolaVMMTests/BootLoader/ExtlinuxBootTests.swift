import Foundation
import IsolaRISCV
import IsolaVMM
import Testing

/// The kernel and initrd that a disk's extlinux.conf names, read from disks made by
/// mke2fs, sfdisk and qemu-img, byte for byte; and refusals that name what is wrong.
@Suite struct ExtlinuxBootTests {
    static let conf = """
        # made by the test
        default second
        timeout 1
        label first
            linux /boot/other
        LABEL second
            menu label The Second
            LINUX /vmlinuz
            initrd /boot/initrd-a,/boot/initrd-b
            append root=/dev/vda2 console=ttyS0
            fdtdir /usr/lib/linux-image/

        """

    static let kernel = BootDiskBuilder.pattern(count: 3 << 20, seed: 1)
    static let initrdA = BootDiskBuilder.pattern(count: 70_001, seed: 2)
    static let initrdB = BootDiskBuilder.pattern(count: 5, seed: 3)

    /// The tree of a typical Debian root: the kernel behind a relative symlink,
    /// two initrds, the configuration under /boot/extlinux.
    func debianLikeTree(_ builder: BootDiskBuilder) throws {
        try builder.file("/boot/vmlinux-6.12", Self.kernel)
        try builder.symlink("/vmlinuz", to: "boot/vmlinux-6.12")
        try builder.file("/boot/other", "the first label")
        try builder.file("/boot/initrd-a", Self.initrdA)
        try builder.file("/boot/initrd-b", Self.initrdB)
        try builder.file("/boot/extlinux/extlinux.conf", Self.conf)
        try builder.file("/etc/hostname", "test")
    }

    func boot(_ path: String, limit: UInt64 = 1 << 30) throws -> ExtlinuxBoot {
        try ExtlinuxBoot(disk: .init(path: path, readOnly: true), limit: limit)
    }

    func expectSecondEntry(_ boot: ExtlinuxBoot) {
        #expect(boot.label == "second")
        #expect(boot.kernelPath == "/vmlinuz")
        #expect(boot.kernel == Self.kernel)
        #expect(boot.initrd == Self.initrdA + Self.initrdB)
        #expect(boot.bootArguments == "root=/dev/vda2 console=ttyS0")
    }

    @Test func ext4OnTheBootablePartitionOfAnMBRDisk() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        try debianLikeTree(builder)
        let root = try builder.fileSystem("root.ext4", megabytes: 16)
        // Partition 1 is an ext4 without a configuration and not bootable: distro boot
        // looks only at the bootable one.
        let builder2 = try BootDiskBuilder()
        defer { builder2.remove() }
        try builder2.file("/extlinux/extlinux.conf", "label wrong\n linux /nothing\n")
        let decoy = try builder2.fileSystem("decoy.ext4", megabytes: 4)
        let disk = try builder.disk("disk.img", megabytes: 24, script: ["start=2048, size=8192, type=83", "type=83, bootable"],
                                    images: [decoy, root])
        for path in [disk, try builder.qcow2(disk)] {
            let boot = try boot(path)
            #expect(boot.location == .init(disk: path, partition: 2, path: "/boot/extlinux/extlinux.conf"))
            expectSecondEntry(boot)
            #expect(ExtlinuxBoot.locate(disk: .init(path: path)) == boot.location)
        }
    }

    @Test func ext2WithIndirectBlocksOnAGUIDPartitionTable() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        // 1 KiB blocks and no extents: 5 MiB needs double-indirect blocks.
        let kernel = BootDiskBuilder.pattern(count: 5 << 20, seed: 9)
        try builder.file("/extlinux/extlinux.conf", "label only\n  kernel /k\n  append quiet\n")
        try builder.file("/k", kernel)
        let root = try builder.fileSystem("root.ext2", megabytes: 12, options: "-t ext2 -b 1024")
        // GPT attribute bit 2 ("legacy BIOS bootable") marks the partition to boot.
        let disk = try builder.disk("gpt.img", megabytes: 16, label: "gpt",
                                    script: ["start=2048, size=1024", "start=4096, attrs=LegacyBIOSBootable"], images: [nil, root])
        let boot = try boot(disk)
        #expect(boot.location == .init(disk: disk, partition: 2, path: "/extlinux/extlinux.conf"))
        #expect(boot.kernel == kernel)
        #expect(boot.initrd == nil)
        #expect(boot.bootArguments == "quiet")
    }

    @Test func aFileSystemOnTheWholeDiskWithSparseFilesAndABigDirectory() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        // A hole in the middle of the kernel reads as zeros; 3000 names make /boot span many blocks.
        try builder.file("/boot/extlinux/extlinux.conf", "append console=ttyS0\nmenu title x\nlabel a\nlabel b\nmenu default\nlinux /boot/sparse\n")
        try builder.run("cd \(builder.root)/boot && for i in $(seq 1 3000); do : > entry-with-a-long-name-$i; done")
        try builder.file("/boot/sparse", Array(repeating: 7, count: 4096))
        try builder.run("dd if=/dev/zero of=\(builder.root)/boot/sparse bs=4096 seek=300 count=0 status=none && printf tail >> \(builder.root)/boot/sparse")
        let disk = try builder.fileSystem("whole.ext4", megabytes: 32, options: "-t ext4 -O ^has_journal")
        // e2fsck -D indexes the directory (a hash tree), which Linux would do as it grew.
        try builder.run("e2fsck -fyD \(disk) >/dev/null 2>&1; debugfs -R 'htree /boot' \(disk) 2>/dev/null | grep -q 'Root node'")
        let boot = try boot(disk)
        #expect(boot.location.partition == nil)
        #expect(boot.label == "b")
        #expect(boot.bootArguments == "console=ttyS0")  // the global append
        #expect(boot.kernel.count == 300 * 4096 + 4)
        #expect(boot.kernel.prefix(4096).allSatisfy { $0 == 7 })
        #expect(boot.kernel[4096..<(300 * 4096)].allSatisfy { $0 == 0 })
        #expect(boot.kernel.suffix(4) == Array("tail".utf8)[...])
    }

    @Test func aLongSymlinkAndAbsoluteTargetsStayInsideTheFileSystem() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        let deep = "/boot/" + String(repeating: "d", count: 70) + "/vmlinux"
        try builder.file(deep, Self.kernel)
        try builder.symlink("/vmlinuz", to: deep)  // longer than 60 bytes: stored in a block
        try builder.symlink("/boot/up", to: "../../../../vmlinuz")  // .. past the root stays at the root
        try builder.file("/boot/extlinux/extlinux.conf", "label x\nlinux /boot/up\n")
        let disk = try builder.fileSystem("links.ext4", megabytes: 16)
        let boot = try boot(disk)
        #expect(boot.kernel == Self.kernel)
        #expect(boot.bootArguments == "")
    }

    @Test func refusalsNameTheDiskAndWhatIsWrong() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        try builder.file("/boot/extlinux/extlinux.conf", "default missing\nlabel one\nlinux /boot/k\n")
        try builder.file("/boot/k", Self.initrdA)
        let disk = try builder.fileSystem("refuse.ext4", megabytes: 8)
        #expect(throws: BootLoaderError.configuration(disk: disk, path: "/boot/extlinux/extlinux.conf", line: nil,
                                                      reason: "the default label 'missing' is not one of 'one'")) { try boot(disk) }

        try builder.file("/boot/extlinux/extlinux.conf", "label one\nlinux /boot/k\ninitrd /boot/none\n")
        let missing = try builder.fileSystem("missing.ext4", megabytes: 8)
        #expect(throws: BootLoaderError.notFound(disk: missing, path: "/boot/none")) { try boot(missing) }
        #expect(throws: BootLoaderError.tooLarge(disk: missing, path: "/boot/k", size: 70_001, limit: 65536)) {
            try boot(missing, limit: 65536)
        }

        try builder.file("/boot/extlinux/extlinux.conf", "linux /boot/k\n")
        let early = try builder.fileSystem("early.ext4", megabytes: 8)
        #expect(throws: BootLoaderError.configuration(disk: early, path: "/boot/extlinux/extlinux.conf", line: 1,
                                                      reason: "'linux' before any 'label'")) { try boot(early) }

        // A disk with no configuration, or none at all, is not a boot disk.
        try FileManager.default.removeItem(atPath: builder.root + "/boot/extlinux")
        let data = try builder.fileSystem("data.ext4", megabytes: 8)
        #expect(ExtlinuxBoot.locate(disk: .init(path: data)) == nil)
        let zeros = try builder.disk("zeros.img", megabytes: 4, script: ["type=83"], images: [nil])
        #expect(ExtlinuxBoot.locate(disk: .init(path: zeros)) == nil)
        #expect(ExtlinuxBoot.locate(disk: .init(path: builder.directory + "/absent")) == nil)
    }

    /// Windows line endings, and a directory that names itself walked through symlinks
    /// that send the lookup round it: refused after a bounded walk, not hours of it.
    @Test func crlfFilesAndSelfReferencesAreBounded() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        try builder.file("/boot/extlinux/extlinux.conf", "default b\r\nlabel a\r\n  linux /k\r\nlabel b\r\n  linux /k\r\n  append x=1\r\n")
        try builder.file("/k", Self.initrdA)
        let crlf = try builder.fileSystem("crlf.ext4", megabytes: 8)
        let entry = try boot(crlf)
        #expect(entry.label == "b" && entry.bootArguments == "x=1")

        try FileManager.default.removeItem(atPath: builder.root + "/boot")
        try FileManager.default.createDirectory(atPath: builder.root + "/d", withIntermediateDirectories: true)
        // /extlinux -> d/x/x/.../x/extlinux, and d/x is d itself (a hard link debugfs makes),
        // so each pass walks 500 components and comes back to /d/extlinux -> /extlinux.
        try builder.symlink("/extlinux", to: "d/" + String(repeating: "x/", count: 500) + "extlinux")
        try builder.symlink("/d/extlinux", to: "/extlinux")
        let loop = try builder.fileSystem("loop.ext4", megabytes: 8)
        try builder.run("debugfs -w -R 'ln d d/x' \(loop) 2>/dev/null")
        #expect(throws: BootLoaderError.corrupt(disk: loop, structure: "path /extlinux/extlinux.conf", reason: "more than 4096 components to walk")) {
            try boot(loop)
        }
    }

    /// The disk is the guest's: whatever it holds, reading it ends in a result or an
    /// error, never a crash or a hang. Bytes of the metadata are changed at random: with
    /// 1 KiB blocks, no journal and no reserved descriptors, blocks 1-63 hold the
    /// superblock, group descriptors, bitmaps, inode table and directories.
    @Test func corruptFileSystemsAreRefusedNotTrusted() throws {
        let builder = try BootDiskBuilder()
        defer { builder.remove() }
        try debianLikeTree(builder)
        let pristine = try Data(contentsOf: URL(fileURLWithPath: try builder.fileSystem("fuzz.ext4", megabytes: 8, options: "-t ext4 -b 1024 -N 64 -O ^resize_inode,^has_journal")))
        var seed = UInt64.random(in: 1...UInt64.max)
        print("corruption seed \(seed) (set it here to replay a failure)")
        func next() -> UInt64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed }
        let mutated = builder.directory + "/mutated.ext4"
        var outcomes = (read: 0, refused: 0)
        for _ in 0..<500 {
            var bytes = [UInt8](pristine)
            for _ in 0...(next() % 8) {
                let value = next()
                bytes[1024 + Int(value % (63 << 10))] = UInt8(truncatingIfNeeded: value >> 32)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: mutated))
            do {
                _ = try boot(mutated, limit: 64 << 20)
                outcomes.read += 1
            } catch {
                #expect(error is BootLoaderError, "\(error)")
                outcomes.refused += 1
            }
        }
        print("corrupted file systems: \(outcomes.read) read, \(outcomes.refused) refused")
        #expect(outcomes.refused > 0, "no change to the metadata was noticed")
    }
}
