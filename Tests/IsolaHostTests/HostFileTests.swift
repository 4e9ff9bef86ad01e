import Foundation
import IsolaHost
import Testing

@Suite struct HostFileTests {
    /// A part of a file, as a console log is tailed: from an offset, short at the end,
    /// empty past it, and an error naming the path for a file that is not there.
    @Test func aPartIsReadFromItsOffsetAndShortAtTheEnd() throws {
        let path = NSTemporaryDirectory() + "isola-hostfile-\(UUID().uuidString)"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try HostFile.writeAtomically(bytes, to: path)
        defer { HostFile.remove(path) }
        #expect(try HostFile.readBytes(path, at: 0, count: 10) == Array(bytes[0..<10]))
        #expect(try HostFile.readBytes(path, at: 70_000, count: 100_000) == Array(bytes[70_000..<170_000]))
        #expect(try HostFile.readBytes(path, at: 199_990, count: 100) == Array(bytes[199_990...]))
        #expect(try HostFile.readBytes(path, at: 300_000, count: 10).isEmpty)
        #expect(try HostFile.readPrefix(path, count: 4) == Array(bytes[0..<4]))
        #expect(throws: HostError.self) { try HostFile.readBytes(path + ".missing", at: 0, count: 1) }
    }
}
