import Foundation
import IsolaRISCV
import IsolaVMM
import Testing

/// Debian's own firmware, as a user boots it: U-Boot in M-mode as `--bios`, U-Boot in
/// S-mode as the payload of OpenSBI's fw_jump, and U-Boot's distro boot finding
/// `extlinux/extlinux.conf` on a virtio disk and booting the kernel and initrd it names.
@Suite(.serialized) struct FirmwareBootTests {
    static let machineModeUBoot = "/usr/lib/u-boot/qemu-riscv64/u-boot.bin"
    static let supervisorModeUBoot = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"

    static func requireFirmware() throws {
        for path in [machineModeUBoot, supervisorModeUBoot, LinuxBootTests.openSBI] {
            try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing: scripts/setup.sh installs u-boot-qemu and opensbi")
        }
    }

    /// At the prompt: `version` answers, `poweroff` powers the machine off with status 0.
    static func driveThePrompt(_ running: LinuxBootTests.RunningVM) {
        #expect(running.waitFor("\n=> "), "no U-Boot prompt: \(running.console.capturedText.suffix(2000))")
        running.vm.type(Array("version\n".utf8))
        #expect(running.waitFor("GNU ld"), "\(running.console.capturedText.suffix(1000))")
        running.vm.type(Array("poweroff\n".utf8))
        #expect(running.finish()?.outcome == .poweroff(exitCode: 0), "\(running.console.capturedText.suffix(1000))")
    }

    @Test func machineModeUBootReachesItsPrompt() throws {
        try Self.requireFirmware()
        let running = try LinuxBootTests.RunningVM(boot: .firmware(path: Self.machineModeUBoot))
        #expect(running.waitFor("Model: isola,virt"), "U-Boot did not read the device tree: \(running.console.capturedText.prefix(2000))")
        Self.driveThePrompt(running)
    }

    @Test func supervisorModeUBootRunsBehindOpenSBI() throws {
        try Self.requireFirmware()
        let running = try LinuxBootTests.RunningVM(boot: .firmwareWithLinux(
            firmware: LinuxBootTests.openSBI, kernel: Self.supervisorModeUBoot, initrd: nil, bootArguments: ""))
        #expect(running.waitFor("OpenSBI"))
        #expect(running.waitFor("Model: isola,virt"), "\(running.console.capturedText.prefix(3000))")
        Self.driveThePrompt(running)
    }

    /// A partitioned disk (MBR, one bootable ext4 partition) holding the default image's
    /// kernel and initramfs and an extlinux.conf naming them; U-Boot's boot command finds
    /// it with no help, and the kernel runs the command the file's `append` gives it.
    @Test func distroBootFindsExtlinuxOnAVirtioDisk() throws {
        try Self.requireFirmware()
        let image = try LinuxBootTests.image()
        let directory = NSTemporaryDirectory() + "isola-extlinux-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        try FileManager.default.createDirectory(atPath: root + "/boot/extlinux", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image.kernel, toPath: root + "/boot/Image")
        try FileManager.default.copyItem(atPath: image.initramfs, toPath: root + "/boot/initramfs.cpio.gz")
        try """
        default isola
        timeout 1
        label isola
            linux /boot/Image
            initrd /boot/initramfs.cpio.gz
            append console=ttyS0 ISOLA_CMD="echo booted-by-extlinux | tr a-z A-Z"

        """.write(toFile: root + "/boot/extlinux/extlinux.conf", atomically: true, encoding: .utf8)
        let disk = directory + "/disk.img"
        try Self.shell("truncate -s 64M \(disk) && echo 'start=2048, type=83, bootable' | /usr/sbin/sfdisk -q \(disk)"
                       + " && /usr/sbin/mke2fs -q -t ext4 -E offset=1048576 -d \(root) \(disk) 63M")
        let running = try LinuxBootTests.RunningVM(
            boot: .firmwareWithLinux(firmware: LinuxBootTests.openSBI, kernel: Self.supervisorModeUBoot, initrd: nil, bootArguments: ""),
            disks: [RISCVMachine.Configuration.Disk(path: disk)])
        #expect(running.waitFor("Found /boot/extlinux/extlinux.conf"), "\(running.console.capturedText.suffix(3000))")
        // U-Boot expands $ in `append`: the check is computed without one.
        #expect(running.waitFor("BOOTED-BY-EXTLINUX"), "\(running.console.capturedText.suffix(3000))")
        #expect(running.finish()?.outcome == .poweroff(exitCode: 0))
    }

    static func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(command) failed (sfdisk is in Debian's fdisk package, scripts/setup.sh installs it)")
    }
}
