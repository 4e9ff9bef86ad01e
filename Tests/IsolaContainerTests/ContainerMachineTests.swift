import IsolaContainer
import IsolaHost
import Testing

@Suite struct ContainerMachineTests {
    /// A bundle whose root is a real directory and whose boot files are named by annotation.
    func spec(_ linux: String, annotations: String = "") throws -> (OCISpec, String) {
        let bundle = "/tmp/isola-machine-\(HostProcess.currentID)-\(UInt32.random(in: 0...UInt32.max))"
        try HostDirectory.create(bundle)
        try HostDirectory.create(bundle + "/rootfs")
        let text = """
            {"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true}, "process": {"args": ["sh"], "cwd": "/"},
             "annotations": {"io.isola.kernel": "/bin/sh", "io.isola.initrd": "/bin/sh"\(annotations)}, "linux": \(linux)}
            """
        return (try OCISpec.decode(Array(text.utf8), source: "config.json"), bundle)
    }

    @Test func resourcesBecomeTheVMsMemoryHartsWeightAndCap() throws {
        let (spec, bundle) = try spec(#"{"resources": {"memory": {"limit": 134217729}, "cpu": {"shares": 1024, "quota": 150000, "period": 100000}}}"#)
        defer { HostDirectory.removeTree(bundle) }
        let machine = try ContainerMachine(spec: spec, bundle: bundle)
        #expect(machine.configuration.memoryInBytes == 129 << 20, "whole MiB, at least the limit")
        #expect(machine.configuration.hartCount == 2)
        #expect(machine.share.cap == 150 && machine.share.weight == 39)
        #expect(machine.rootfs == bundle + "/rootfs")
        #expect(machine.configuration.shares == [.init(path: bundle + "/rootfs", tag: "rootfs", readOnly: true)])
        #expect(machine.kernel == "/bin/sh")
    }

    @Test func annotationsChooseWhatTheSpecCannotSay() throws {
        let (spec, bundle) = try spec("{}", annotations: #", "io.isola.memory": "512M", "io.isola.cpus": "3", "io.isola.engine": "interpreter""#)
        defer { HostDirectory.removeTree(bundle) }
        let machine = try ContainerMachine(spec: spec, bundle: bundle)
        #expect(machine.configuration.memoryInBytes == 512 << 20 && machine.configuration.hartCount == 3)
        #expect(machine.configuration.engine == .interpreter)
        #expect(machine.share.cap == nil && machine.share.weight == 100)
    }

    @Test func aMissingRootOrBadAnnotationIsRefused() throws {
        let (spec, bundle) = try spec("{}", annotations: #", "io.isola.cpus": "many""#)
        defer { HostDirectory.removeTree(bundle) }
        #expect(throws: ContainerError.self) { try ContainerMachine(spec: spec, bundle: bundle) }
        var moved = spec
        moved.root?.path = "/nonexistent-root"
        #expect(throws: ContainerError.invalidSpec(field: "root.path", reason: "/nonexistent-root is not a directory")) {
            try ContainerMachine(spec: moved, bundle: bundle)
        }
    }
}
