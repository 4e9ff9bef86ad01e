import IsolaContainer
import Testing

@Suite struct OCISpecTests {
    static let minimal = #"{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}}"#

    func decode(_ text: String) throws(ContainerError) -> OCISpec {
        try OCISpec.decode(Array(text.utf8), source: "config.json")
    }

    func refusal(_ text: String) -> (field: String, reason: String)? {
        do {
            _ = try decode(text)
            return nil
        } catch let ContainerError.invalidSpec(field, reason) {
            return (field, reason)
        } catch {
            return ("?", "\(error)")
        }
    }

    @Test func minimalBundleIsAccepted() throws {
        let spec = try decode(Self.minimal)
        #expect(spec.root?.path == "rootfs" && spec.process?.args == ["sh"])
    }

    @Test func unknownFieldsAreIgnoredAsTheSpecificationAsks() throws {
        let spec = try decode(#"{"ociVersion": "1.1.0", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/", "capabilities": {"bounding": []}, "noNewPrivileges": true}, "linux": {"seccomp": {}, "resources": {"memory": {"limit": 134217728}}}, "vm": {"hypervisor": {"path": "/x"}}}"#)
        #expect(spec.linux?.resources?.memory?.limit == 128 << 20)
    }

    @Test(arguments: [
        (#"{"root": {"path": "r"}}"#, "ociVersion"),
        (#"{"ociVersion": "2.0.0", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/"}}"#, "ociVersion"),
        (#"{"ociVersion": "1.0.2", "process": {"args": ["x"], "cwd": "/"}}"#, "root.path"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}}"#, "process"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": [], "cwd": "/"}}"#, "process.args"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "relative"}}"#, "process.cwd"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"]}}"#, "process.cwd"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": "sh", "cwd": "/"}}"#, "process.args"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/", "env": ["NOEQUALS"]}}"#, "process.env[0]"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/", "user": {"uid": "root", "gid": 0}}}"#, "process.user.uid"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/", "rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]}}"#, "process.rlimits[0].type"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 9, "hard": 1}]}}"#, "process.rlimits[0].soft"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/"}, "hooks": {"poststart": [{"path": "relative"}]}}"#, "hooks.poststart[0].path"),
        (#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/"}, "linux": {"resources": {"memory": {"limit": 1024}}}}"#, "linux.resources.memory.limit"),
        (#"[1, 2]"#, "config.json"),
    ])
    func malformedBundlesAreRefusedNamingTheField(text: String, field: String) {
        let refused = refusal(text)
        #expect(refused?.field == field, "\(String(describing: refused))")
    }

    @Test func networkNamespaceIsFoundByPath() throws {
        let spec = try decode(#"{"ociVersion": "1.0.2", "root": {"path": "r"}, "process": {"args": ["x"], "cwd": "/"}, "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/cni-1"}]}}"#)
        #expect(spec.networkNamespacePath == "/var/run/netns/cni-1")
    }

    @Test func signalNamesAndNumbers() {
        #expect(SignalName.parse("TERM") == 15 && SignalName.parse("SIGKILL") == 9 && SignalName.parse("9") == 9)
        #expect(SignalName.parse("sigusr1") == 10 && SignalName.parse("WINCH") == 28)
        #expect(SignalName.parse("NOPE") == nil && SignalName.parse("0") == nil && SignalName.parse("65") == nil)
    }

    @Test func containerIDsNameADirectory() {
        #expect((try? ContainerError.checkID("web-1_a.b+c")) != nil)
        for bad in ["", "..", "a/b", "a b", String(repeating: "x", count: 1025)] {
            #expect((try? ContainerError.checkID(bad)) == nil, "\(bad)")
        }
        #expect(ContainerError.notFound(id: "x").description == "container x does not exist")
    }
}
