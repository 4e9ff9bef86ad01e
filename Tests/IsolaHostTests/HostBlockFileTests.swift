import Foundation
import IsolaHost
import Testing

/// Positioned reads and writes of arrays, empty ones included: an empty array may have
/// no base address, and a length read from a file header can be 0.
@Suite struct HostBlockFileTests {
    @Test func arraysSlicesAndEmptyBuffersRoundTrip() throws {
        let path = NSTemporaryDirectory() + "isola-block-\(UUID().uuidString.prefix(8))"
        defer { HostBlockFile.remove(path: path) }
        let file = try HostBlockFile.create(path: path)
        #expect(file.write([1, 2, 3, 4, 5, 6, 7, 8], at: 4096))
        #expect(file.write([UInt8](), at: 10))
        #expect(file.write([9, 9, 0xAA, 0xBB, 9][2..<4], at: 0))
        var back = [UInt8](repeating: 0, count: 8)
        #expect(file.read(into: &back, at: 4096))
        #expect(back == [1, 2, 3, 4, 5, 6, 7, 8])
        var empty: [UInt8] = []
        #expect(file.read(into: &empty, at: 1 << 40), "nothing to read is no error, wherever")
        var head = [UInt8](repeating: 0, count: 2)
        #expect(file.read(into: &head, at: 0))
        #expect(head == [0xAA, 0xBB])
        var past = [UInt8](repeating: 0, count: 16)
        #expect(!file.read(into: &past, at: 4096), "a short read is a failure")
    }
}
