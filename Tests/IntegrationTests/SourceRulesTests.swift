import Foundation
import Testing

/// Rules of the code base that a reader would otherwise have to check by hand.
@Suite struct SourceRulesTests {
    /// What counts as using raw memory: reading or writing through a pointer, or
    /// viewing memory as another type.
    nonisolated(unsafe) static let pointerUse = /withUnsafe|assumingMemoryBound|bindMemory|withMemoryRebound|load\(fromByteOffset|\.load\(as:|storeBytes|copyMemory|UnsafeAtomic\(at:|\.pointee|initializeMemory|unsafeBitCast|\.advanced\(by:/

    /// Every unsafe pointer use has a `// SAFETY:` comment on its line or within the
    /// eight lines above it that says why it is sound (CONVENTIONS.md).
    @Test func everyUnsafePointerUseSaysWhyItIsSound() throws {
        let sources = GuestRunner.repositoryRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 100, "no sources found under \(sources.path)")
        var missing: [String] = []
        for file in files.sorted() {
            let lines = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let code = line.firstRange(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
                guard code.contains(Self.pointerUse) else { continue }
                if lines[max(0, i - 8)...i].contains(where: { $0.contains("SAFETY:") }) { continue }
                missing.append("Sources/\(file):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(missing.isEmpty, "\(missing.count) unsafe pointer uses without a // SAFETY: line:\n\(missing.prefix(40).joined(separator: "\n"))")
    }

    /// No force-unwrapped `baseAddress`: an empty buffer (a length read from a file
    /// header can be 0) has none.
    @Test func noForceUnwrappedBaseAddress() throws {
        let sources = GuestRunner.repositoryRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        var found: [String] = []
        for file in files.sorted() {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains("baseAddress!") {
                found.append("Sources/\(file):\(i + 1)")
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    /// Above the backend protocol a machine is a `MachineBackend`: the library and the
    /// hypervisor import nothing of the RISC-V board and name none of its types.
    @Test func theLibraryAndTheHypervisorNameNoRISCVType() throws {
        let sources = GuestRunner.repositoryRoot.appendingPathComponent("Sources")
        var found: [String] = []
        for module in ["IsolaKit", "IsolaHypervisor"] {
            let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path)?
                .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            #expect(!files.isEmpty, "no sources under Sources/\(module)")
            for file in files.sorted() {
                let text = try String(contentsOfFile: sources.appendingPathComponent(module + "/" + file).path, encoding: .utf8)
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("import IsolaRISCV") || line.contains("RISCVMachine") {
                    found.append("Sources/\(module)/\(file):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
