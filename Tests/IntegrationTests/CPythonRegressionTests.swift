import Foundation
import Testing

/// CPython's own regression tests (Debian's libpython3.13-testsuite, which no one here
/// wrote) under `isola exec` and `qemu-riscv64` with the same sysroot: every test that
/// passes under QEMU must pass under Isola (Tests/CPython/regrtest.py compares them
/// test by test). make test runs a representative subset; `make cpython` runs them all.
@Suite struct CPythonRegressionTests {
    @Test func isolaPassesWhatQemuUserPasses() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [GuestRunner.repositoryRoot.appendingPathComponent("Tests/CPython/regrtest.py").path, "--quick",
                             "--isola", CommandLineTests.executable]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(report)
        #expect(process.terminationStatus == 0, "\(report)")
        #expect(report.contains("regrtest: ok"), "\(report)")
    }
}
