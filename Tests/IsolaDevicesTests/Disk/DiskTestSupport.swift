import Foundation
import IsolaDevices

/// A scratch directory per test, removed by `cleanUp`, and the host commands the
/// interoperability tests run (qemu-img and qemu-io from Debian's qemu-utils).
struct DiskScratch {
    let directory = NSTemporaryDirectory() + "isola-disk-\(UUID().uuidString)/"

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + name }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    /// A file of `count` bytes where byte i is (i / 512 + seed) & 0xff: every sector tells where it came from.
    func patterned(_ name: String, count: Int, seed: Int = 0) throws -> String {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 / 512 + seed) }
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    @discardableResult
    func shell(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "cd '\(directory)' && " + command]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

extension DiskImage {
    func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0xEE, count: count)
        let ok = buffer.withUnsafeMutableBytes { read(into: $0.baseAddress!, count: count, at: offset) }
        return ok ? buffer : nil
    }

    func write(_ bytes: [UInt8], at offset: UInt64) -> Bool {
        bytes.withUnsafeBytes { write(from: $0.baseAddress!, count: bytes.count, at: offset) }
    }
}
