import Foundation
import IsolaDevices
import IsolaHost
import Testing

@Suite struct QCOW2ImageTests {
    static let mib = 1 << 20

    @Test func overlayReadsTheBaseAndWritesOnlyItself() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        let base = try scratch.patterned("base.img", count: 4 * Self.mib)
        let original = try Data(contentsOf: URL(fileURLWithPath: base))
        try QCOW2Image.create(path: scratch.path("over.qcow2"), size: nil, backing: "base.img")
        let overlay = try DiskImageFormat.open(path: scratch.path("over.qcow2"), readOnly: false)
        #expect(overlay is QCOW2Image)
        #expect(overlay.byteCount == UInt64(4 * Self.mib))
        #expect(overlay.bytes(at: 0, count: 4 * Self.mib) == [UInt8](original))
        // A write that straddles two 64 KiB clusters copies the rest of both from the base.
        let written = [UInt8](repeating: 0xA5, count: 300)
        #expect(overlay.write(written, at: 65536 - 100))
        var expected = [UInt8](original)
        expected.replaceSubrange(65436..<65736, with: written)
        #expect(overlay.bytes(at: 0, count: 4 * Self.mib) == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == original)
        // Reopened, the overlay still holds the write.
        let reopened = try QCOW2Image(path: scratch.path("over.qcow2"), readOnly: true)
        #expect(reopened.bytes(at: 0, count: 4 * Self.mib) == expected)
        #expect(!reopened.write([1], at: 0))
    }

    @Test func qemuImgAcceptsIsolasOverlayAndReadsItsWrites() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        _ = try scratch.patterned("base.img", count: 8 * Self.mib)
        try QCOW2Image.create(path: scratch.path("over.qcow2"), size: nil, backing: "base.img")
        let overlay = try QCOW2Image(path: scratch.path("over.qcow2"), readOnly: false)
        #expect(overlay.write([UInt8](repeating: 0x5A, count: Self.mib), at: UInt64(2 * Self.mib)))
        #expect(overlay.write([UInt8](repeating: 0x33, count: 4096), at: 12288))
        #expect(overlay.discard(offset: UInt64(6 * Self.mib), length: UInt64(Self.mib)))  // whole clusters: zero clusters
        #expect(overlay.discard(offset: 100 * 512, length: 512))                           // a part: written zeros
        #expect(overlay.synchronize())
        let info = try scratch.shell("qemu-img info over.qcow2")
        #expect(info.status == 0 && info.output.contains("backing file: base.img"), "\(info.output)")
        let check = try scratch.shell("qemu-img check over.qcow2")
        #expect(check.status == 0 && check.output.contains("No errors were found"), "\(check.output)")
        let io = try scratch.shell("""
            qemu-io -r -c 'read -P 0x5a 2M 1M' -c 'read -P 0x33 12288 4096' -c 'read -P 0 6M 1M' \
            -c 'read -P 0 51200 512' -c 'read -P 0x65 51712 512' over.qcow2
            """)
        #expect(io.status == 0 && !io.output.contains("Pattern verification failed"), "\(io.output)")
    }

    @Test func isolaReadsAndWritesQemuImgsOverlay() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        _ = try scratch.patterned("base.img", count: 4 * Self.mib, seed: 7)
        let made = try scratch.shell("""
            qemu-img create -q -f qcow2 -b base.img -F raw over.qcow2 && \
            qemu-io -c 'write -P 0xab 4096 8192' -c 'write -z 1M 64k' over.qcow2
            """)
        try #require(made.status == 0, "\(made.output)")
        let overlay = try DiskImageFormat.open(path: scratch.path("over.qcow2"), readOnly: false)
        #expect(overlay.bytes(at: 4096, count: 8192) == [UInt8](repeating: 0xAB, count: 8192))
        #expect(overlay.bytes(at: UInt64(Self.mib), count: 65536) == [UInt8](repeating: 0, count: 65536))
        #expect(overlay.bytes(at: 0, count: 512) == [UInt8](repeating: 7, count: 512))
        #expect(overlay.write([UInt8](repeating: 0xCD, count: 512), at: UInt64(Self.mib) + 512))
        let check = try scratch.shell("qemu-img check over.qcow2 && qemu-io -r -c 'read -P 0xcd 1049088 512' -c 'read -P 0 1M 512' over.qcow2")
        #expect(check.status == 0 && !check.output.contains("verification failed"), "\(check.output)")
    }

    /// 512-byte clusters make the refcount table outgrow its first cluster; other
    /// refcount widths exercise sub-byte and 64-bit counts.
    @Test(arguments: ["cluster_size=512", "refcount_bits=1", "refcount_bits=64"])
    func allocationKeepsRefcountsConsistent(options: String) throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        let made = try scratch.shell("qemu-img create -q -f qcow2 -o \(options) disk.qcow2 32M")
        try #require(made.status == 0, "\(made.output)")
        let disk = try QCOW2Image(path: scratch.path("disk.qcow2"), readOnly: false)
        let data = (0..<(12 * Self.mib)).map { UInt8(truncatingIfNeeded: $0 / 4096) }
        #expect(disk.write(data, at: UInt64(Self.mib)))
        #expect(disk.bytes(at: UInt64(Self.mib), count: data.count) == data)
        let check = try scratch.shell("qemu-img check disk.qcow2")
        #expect(check.status == 0 && check.output.contains("No errors were found"), "\(check.output)")
        let converted = try scratch.shell("qemu-img convert -O raw disk.qcow2 flat.img")
        try #require(converted.status == 0)
        let flat = try Data(contentsOf: URL(fileURLWithPath: scratch.path("flat.img")))
        #expect([UInt8](flat[Self.mib..<(13 * Self.mib)]) == data)
    }

    @Test func createRefusesToReplaceAFileAndNeedsASize() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        try QCOW2Image.create(path: scratch.path("a.qcow2"), size: 1 << 30, backing: nil)
        #expect(throws: HostError.self) { try QCOW2Image.create(path: scratch.path("a.qcow2"), size: 1 << 20, backing: nil) }
        #expect(throws: DiskImageError.self) { try QCOW2Image.create(path: scratch.path("b.qcow2"), size: nil, backing: nil) }
        #expect(throws: HostError.self) { try QCOW2Image.create(path: scratch.path("c.qcow2"), size: nil, backing: "missing.img") }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("c.qcow2")))
        #expect(try QCOW2Image(path: scratch.path("a.qcow2"), readOnly: true).byteCount == 1 << 30)
    }

    @Test func hostileImagesAreRefusedOrFailTheirReads() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        try QCOW2Image.create(path: scratch.path("good.qcow2"), size: 1 << 20, backing: nil)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.qcow2"))))
        func variant(_ name: String, _ edit: (inout [UInt8]) -> Void) throws -> String {
            var bytes = good
            edit(&bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: scratch.path(name)))
            return scratch.path(name)
        }
        let truncated = try variant("truncated.qcow2") { $0.removeSubrange(40...) }
        let clusterBits = try variant("bits.qcow2") { $0[23] = 40 }
        let encrypted = try variant("crypt.qcow2") { $0[35] = 1 }
        let hugeL1 = try variant("l1.qcow2") { $0[36] = 0xFF }
        for path in [truncated, clusterBits, encrypted, hugeL1] {
            #expect(throws: DiskImageError.self, "\(path)") { try QCOW2Image(path: path, readOnly: true) }
        }
        // An overlay that names itself as its backing file is a loop, not a stack overflow.
        try QCOW2Image.create(path: scratch.path("loop.qcow2"), size: 1 << 20, backing: nil)
        let loop = try QCOW2Image(path: scratch.path("loop.qcow2"), readOnly: true)
        _ = loop
        let made = try scratch.shell("qemu-img rebase -u -f qcow2 -b loop.qcow2 -F qcow2 loop.qcow2")
        try #require(made.status == 0, "\(made.output)")
        #expect(throws: DiskImageError.self) { try QCOW2Image(path: scratch.path("loop.qcow2"), readOnly: true) }
        // An L1 entry pointing past the file's end fails the read instead of crashing.
        let wild = try variant("wild.qcow2") { bytes in
            bytes.replaceSubrange(3 * 65536..<3 * 65536 + 8, with: [0x80, 0, 0, 0x7F, 0, 0, 0, 0])
        }
        #expect(try QCOW2Image(path: wild, readOnly: true).bytes(at: 0, count: 512) == nil)
    }

    @Test func aProbedRawImageRefusesToBecomeQcow2() throws {
        let scratch = try DiskScratch()
        defer { scratch.cleanUp() }
        let path = try scratch.patterned("raw.img", count: 65536)
        let probed = try DiskImageFormat.open(path: path, readOnly: false)
        #expect(!probed.write([0x51, 0x46, 0x49, 0xFB] + [UInt8](repeating: 0, count: 508), at: 0))
        #expect(probed.write([UInt8](repeating: 1, count: 512), at: 0))
        let named = try DiskImageFormat.open(path: path, readOnly: false, format: .raw)
        #expect(named.write([0x51, 0x46, 0x49, 0xFB] + [UInt8](repeating: 0, count: 508), at: 0))
    }
}
