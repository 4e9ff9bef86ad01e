import Foundation
import IsolaCore
import IsolaHost
import Testing

/// The snapshot file: what it stores, what it skips, and that every damaged file
/// is refused before anything could run from it.
@Suite struct SnapshotFileTests {
    static let base: UInt64 = 0x8000_0000

    /// 1 MiB of RAM: pages 0, 1 and 3 written (a one-page gap joins them), page 200 alone.
    static func ram() throws -> GuestRAM {
        let ram = try GuestRAM(basePhysicalAddress: base, size: 1 << 20)
        try ram.write(Array("page zero".utf8), at: base)
        try ram.write([1], at: base + 4096 + 4095)
        try ram.write(Array("page three".utf8), at: base + 3 * 4096)
        try ram.write(Array(repeating: 0xA5, count: 4096), at: base + 200 * 4096)
        return ram
    }

    static func path() -> String { NSTemporaryDirectory() + "isola-snapshot-\(UUID().uuidString).snap" }

    static func written() throws -> (path: String, ram: GuestRAM) {
        let path = path()
        let ram = try ram()
        _ = try SnapshotFile.write(to: path, configuration: Array("{\"config\":1}".utf8), machineState: [1, 2, 3, 4, 5], ram: ram)
        return (path, ram)
    }

    @Test func roundTripSkipsZeroPagesAndMapsTheRest() throws {
        let (path, ram) = try Self.written()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SnapshotFile.open(path)
        #expect(file.configuration == Array("{\"config\":1}".utf8))
        #expect(file.machineState == [1, 2, 3, 4, 5])
        #expect(file.runs.map { [$0.firstPage, $0.pageCount] } == [[0, 4], [200, 1]])
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 4096 + 4096 + 5 * 4096, "the file holds a header page, the small sections and 5 pages")

        let restored = try GuestRAM(basePhysicalAddress: Self.base, size: 1 << 20)
        try file.restoreMemory(into: restored)
        #expect(restored.read(at: Self.base, length: 1 << 20) == ram.read(at: Self.base, length: 1 << 20))
        // Copy-on-write: writing the restored RAM never reaches the file.
        try restored.write([0xEE], at: Self.base)
        let again = try GuestRAM(basePhysicalAddress: Self.base, size: 1 << 20)
        try SnapshotFile.open(path).restoreMemory(into: again)
        #expect(again.read(at: Self.base, length: 9) == Array("page zero".utf8))
        // A discarded (ballooned) page of restored RAM reads as zeros, not the file's bytes.
        #expect(restored.discard(at: Self.base + 200 * 4096, length: 4096))
        #expect(restored.read(at: Self.base + 200 * 4096, length: 4) == [0, 0, 0, 0])
    }

    @Test func savingIntoAMissingDirectoryLeavesNothing() throws {
        let directory = NSTemporaryDirectory() + "isola-missing-\(UUID().uuidString)"
        #expect(throws: HostError.self) {
            _ = try SnapshotFile.write(to: directory + "/s.snap", configuration: [], machineState: [], ram: try Self.ram())
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    func expectRefused(_ bytes: [UInt8], mentioning text: String? = nil) throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let file = try SnapshotFile.open(path)
            try file.restoreMemory(into: try GuestRAM(basePhysicalAddress: Self.base, size: file.ramSize))
            Issue.record("a damaged snapshot was accepted")
        } catch let error as SnapshotError {
            if let text { #expect("\(error)".contains(text), "\(error)") }
        }
    }

    @Test func damagedFilesAreRefusedWithTheReason() throws {
        let (path, _) = try Self.written()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func flipped(_ offset: Int) -> [UInt8] { var b = good; b[offset] ^= 0x40; return b }
        try expectRefused(Array("not a snapshot at all".utf8), mentioning: "not an Isola snapshot")
        try expectRefused(flipped(8), mentioning: "format version")
        try expectRefused(flipped(40), mentioning: "header")
        try expectRefused(flipped(4096 + 2), mentioning: "configuration section")
        try expectRefused(flipped(4096 + 13), mentioning: "machine section")
        try expectRefused(flipped(good.count - 10), mentioning: "memory at page 200")
        try expectRefused(flipped(8192 + 5), mentioning: "memory at page 0")
        for length in stride(from: 0, to: good.count, by: 997) { try expectRefused(Array(good.prefix(length))) }
        try expectRefused(Array(good.dropLast()), mentioning: "truncated")
        try expectRefused(good + [0], mentioning: "after the memory section")
        try expectRefused(flipped(3000), mentioning: "after the header's table")
        try expectRefused(flipped(8000), mentioning: "between the sections")
    }

    /// Thousands of mutated files: each is refused or loads; none crashes or hangs.
    @Test func mutatedSnapshotsNeverCrashTheLoader() throws {
        let (path, _) = try Self.written()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var generator = SystemRandomNumberGenerator()
        var refused = 0
        let trials = 3000
        let mutant = Self.path()
        defer { try? FileManager.default.removeItem(atPath: mutant) }
        for trial in 0..<trials {
            var bytes = good
            switch trial % 4 {
            case 0:  // flip a few bits anywhere
                for _ in 0..<Int.random(in: 1...4, using: &generator) { bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator)) }
            case 1:  // a random word in the header or the small sections (offsets, lengths, counts)
                let at = Int.random(in: 0..<(4096 + 200), using: &generator) & ~7
                for i in 0..<8 { bytes[at + i] = UInt8.random(in: 0...255, using: &generator) }
            case 2:  // cut it short
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            default:  // a run of garbage
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                for i in at..<min(bytes.count, at + 64) { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: mutant))
            do {
                let file = try SnapshotFile.open(mutant)
                guard file.ramSize <= 1 << 20 else { refused += 1; continue }
                try file.restoreMemory(into: try GuestRAM(basePhysicalAddress: Self.base, size: file.ramSize))
            } catch is SnapshotError {
                refused += 1
            }
        }
        // Every byte is covered by a check (padding must be zero), so every change is refused.
        #expect(refused == trials, "only \(refused) of \(trials) mutants refused")
    }
}
