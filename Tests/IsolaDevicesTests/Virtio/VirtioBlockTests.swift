import Foundation
import IsolaCore
import IsolaDevices
import IsolaHost
import Testing

@Suite struct VirtioBlockTests {
    let image = NSTemporaryDirectory() + "isola-blk-\(UUID().uuidString).img"

    func driver(readOnly: Bool = false) throws -> VirtioTestDriver {
        if !FileManager.default.fileExists(atPath: image) {
            var bytes = [UInt8](repeating: 0, count: 8192)
            for i in 0..<512 { bytes[512 + i] = UInt8(i & 0xFF) }  // sector 1: a pattern
            try Data(bytes).write(to: URL(fileURLWithPath: image))
        }
        let file = try HostBlockFile(path: image, readOnly: readOnly)
        return try VirtioTestDriver { VirtioBlock(disk: RawDiskImage(file: file, probed: false), ram: $0, serial: "disk-serial") }
    }

    /// header (16 bytes) at 0x8000_4000, data at 0x8000_5000, status at 0x8000_6000
    func request(_ d: VirtioTestDriver, type: UInt32, sector: UInt64, length: UInt32, dataWritable: Bool) -> UInt8 {
        let h = d.ram.hostPointer(0x8000_4000)
        h.storeBytes(of: type, as: UInt32.self)
        h.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        h.storeBytes(of: sector, toByteOffset: 8, as: UInt64.self)
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 1, next: 1)
        d.descriptor(1, address: 0x8000_5000, length: length, flags: (dataWritable ? 2 : 0) | 1, next: 2)
        d.descriptor(2, address: 0x8000_6000, length: 1, flags: 2)
        d.ram.hostPointer(0x8000_6000).storeBytes(of: UInt8(0xFF), as: UInt8.self)
        d.post(head: 0)
        return d.ram.hostPointer(0x8000_6000).load(as: UInt8.self)
    }

    @Test func capacityInConfigSpace() throws {
        let d = try driver()
        #expect(d.transport.read(offset: 0x100, size: 8) == 16)  // 8192 bytes = 16 sectors
        try? FileManager.default.removeItem(atPath: image)
    }

    @Test func readWriteAndGetID() throws {
        defer { try? FileManager.default.removeItem(atPath: image) }
        let d = try driver()
        #expect(request(d, type: 0, sector: 1, length: 512, dataWritable: true) == 0)
        #expect(d.ram.read(at: 0x8000_5000, length: 4) == [0, 1, 2, 3])
        #expect(d.usedEntry(0).length == 513)
        try d.ram.write([9, 8, 7], at: 0x8000_5000)
        #expect(request(d, type: 1, sector: 3, length: 512, dataWritable: false) == 0)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: image))
        #expect(Array(onDisk[1536..<1539]) == [9, 8, 7])
        #expect(request(d, type: 4, sector: 0, length: 0, dataWritable: false) == 0)  // flush
        #expect(request(d, type: 8, sector: 0, length: 20, dataWritable: true) == 0)  // get id
        #expect(d.ram.read(at: 0x8000_5000, length: 11) == Array("disk-serial".utf8))
    }

    @Test func outOfRangeAndReadOnlyAreIOErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: image) }
        let d = try driver()
        #expect(request(d, type: 0, sector: 16, length: 512, dataWritable: true) == 1)
        #expect(request(d, type: 0, sector: UInt64.max / 2, length: 512, dataWritable: true) == 1)
        #expect(request(d, type: 77, sector: 0, length: 512, dataWritable: true) == 2)  // unsupported
        let r = try driver(readOnly: true)
        #expect(r.transport.offeredFeatures & (1 << 5) != 0)
        #expect(request(r, type: 1, sector: 0, length: 512, dataWritable: false) == 1)
        #expect(request(r, type: 0, sector: 0, length: 512, dataWritable: true) == 0)
    }

    @Test func getIDIntoAZeroLengthBuffer() throws {
        defer { try? FileManager.default.removeItem(atPath: image) }
        let d = try driver()
        #expect(request(d, type: 8, sector: 0, length: 0, dataWritable: true) == 0)
    }
}
