import Foundation
import Testing

/// Builds small bootable disks for the boot loader's tests with the tools that make
/// real ones: mke2fs -d from a directory tree, sfdisk for the partition table,
/// qemu-img for qcow2 (all installed by scripts/setup.sh).
struct BootDiskBuilder {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "isola-boot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    var root: String { directory + "/root" }

    /// Writes `bytes` at `path` inside the file system's tree.
    func file(_ path: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: root + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func file(_ path: String, _ text: String) throws { try file(path, Array(text.utf8)) }

    func symlink(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + path, withDestinationPath: target)
    }

    /// Deterministic bytes that differ block to block, so a misplaced block shows.
    static func pattern(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// The tree as a file system image of `megabytes`; `options` go to mke2fs.
    func fileSystem(_ name: String, megabytes: Int, options: String = "-t ext4") throws -> String {
        let image = "\(directory)/\(name)"
        try run("truncate -s \(megabytes)M \(image) && mke2fs -q -F \(options) -d \(root) \(image)")
        return image
    }

    /// A disk with an sfdisk `script` (one line per partition), each partition filled
    /// from the image given for it (nil: left empty).
    func disk(_ name: String, megabytes: Int, label: String = "dos", script: [String], images: [String?]) throws -> String {
        let disk = "\(directory)/\(name)"
        let lines = (["label: \(label)"] + script).joined(separator: "\n")
        try run("truncate -s \(megabytes)M \(disk) && printf '\(lines)\\n' | sfdisk -q \(disk)")
        let table = try JSONSerialization.jsonObject(with: Data(try output("sfdisk --json \(disk)").utf8)) as? [String: Any]
        let partitions = (table?["partitiontable"] as? [String: Any])?["partitions"] as? [[String: Any]] ?? []
        for (i, image) in images.enumerated() {
            guard let image else { continue }
            let start = try #require(partitions[i]["start"] as? Int)
            try run("dd if=\(image) of=\(disk) bs=512 seek=\(start) conv=notrunc,sparse status=none")
        }
        return disk
    }

    func qcow2(_ raw: String) throws -> String {
        try run("qemu-img convert -O qcow2 \(raw) \(raw).qcow2")
        return raw + ".qcow2"
    }

    func run(_ command: String) throws { _ = try output(command) }

    @discardableResult
    func output(_ command: String) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(command) failed (e2fsprogs, fdisk and qemu-utils come from scripts/setup.sh)")
        return String(decoding: data, as: UTF8.self)
    }
}
