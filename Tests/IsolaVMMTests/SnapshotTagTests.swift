import Foundation
import IsolaCore
import IsolaVMM
import Testing

/// A snapshot's tag becomes a file name in the bundle: a plain name of at most 60
/// characters, so the tag, `.snap` and a frozen disk layer's suffix fit in 255 bytes.
@Suite struct SnapshotTagTests {
    @Test func tagsArePlainFileNames() throws {
        let directory = NSTemporaryDirectory() + "isola-tag-\(UUID().uuidString.prefix(8)).isola"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bundle = try VMBundle.create(directory: directory, configuration: VMConfigurationFile(name: "tagged"))
        let longest = String(repeating: "\u{1F600}", count: VMBundle.maximumTagLength)  // 4 bytes each in UTF-8
        for good in ["s1", "before upgrade", "2026-12-01", longest] {
            #expect((try? bundle.snapshotPath(tag: good)) == bundle.snapshotsDirectory + "/" + good + VMBundle.snapshotSuffix)
        }
        #expect(Array((longest + ".disk7.qcow2").utf8).count <= 255)
        for bad in ["", ".hidden", "a/b", "..", "tab\there", "nul\u{0}", "del\u{7F}", longest + "x"] {
            #expect(throws: CoreError.self, "\(bad.debugDescription)") { try bundle.snapshotPath(tag: bad) }
        }
    }
}
