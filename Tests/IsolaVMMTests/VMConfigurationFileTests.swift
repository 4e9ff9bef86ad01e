import Foundation
import IsolaCore
import IsolaVMM
import Testing

/// What a VM's configuration may hold, checked before anything boots: each refusal
/// names its field.
@Suite struct VMConfigurationFileTests {
    func refusal(_ change: (inout VMConfigurationFile) -> Void) -> String? {
        var file = VMConfigurationFile(name: "vm")
        change(&file)
        do {
            try file.check(source: "the test")
            return nil
        } catch let CoreError.invalidConfiguration(field, _) {
            return field
        } catch {
            return "\(error)"
        }
    }

    @Test func aPlainConfigurationPasses() {
        #expect(refusal { $0.memory = "64M"; $0.append = "console=ttyS0 quiet" } == nil)
    }

    @Test func pathsWithNULAndEmptyPathsAreRefused() {
        #expect(refusal { $0.kernel = "/boot/Image\u{0}junk" } == "kernel")
        #expect(refusal { $0.initrd = "" } == "initrd")
        #expect(refusal { $0.bios = "fw\u{0}" } == "bios")
        #expect(refusal { $0.disks = [.init(path: "a\u{0}b")] } == "disks[0].path")
    }

    @Test func theCommandLineHasABound() {
        let longest = String(repeating: "x", count: VMConfigurationFile.maximumAppendLength)
        #expect(refusal { $0.append = longest } == nil)
        #expect(refusal { $0.append = longest + "x" } == "append")
        #expect(refusal { $0.append = "a\u{0}b" } == "append")
    }

    @Test func memoryTakesDigitsAndAUnitOnly() {
        #expect(refusal { $0.memory = "+64M" } == "memory")
        #expect(refusal { $0.memory = "64MB" } == "memory")
        #expect(refusal { $0.memory = "65536" } == "memory", "less than 1 MiB")
        #expect(refusal { $0.memory = "65G" } == "memory", "more than 64 GiB")
        #expect(refusal { $0.memory = "1g" } == nil)
    }

    @Test func networksAreNamedPlainly() {
        #expect(refusal { $0.networks = ["switch:lan", "tap:tap0,mac=02:00:00:00:00:01"] } == nil)
        for bad in ["switch:", "switch:../x", "switch:a,,mac=02:00:00:00:00:01", "tap:waytoolonganame0", "switch:a,mac=+2:00:00:00:00:01",
                    "switch:a,mac=02:00:00:00:00:01:", "switch:a,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02"] {
            #expect(refusal { $0.networks = [bad] } == "networks[0]", "\(bad)")
        }
    }
}
