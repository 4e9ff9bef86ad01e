import IsolaRISCV
import IsolaUser
import Testing

/// The re-execution format a program's execve uses: what one image writes, the next
/// reads back whole; arguments that are not a re-execution are left to the caller.
@Suite struct ProcessVMLaunchTests {
    @Test func aLaunchSurvivesItsOwnArguments() throws {
        let settings = ProcessVMLaunch.Settings(sysroot: "/usr/riscv64-linux-gnu", engine: .interpreter, perfMap: true, trace: .unimplemented,
                                                deniedSystemCalls: ["openat", "socket"], policyPath: "/etc/isola/policy.json", statistics: true)
        let launch = ProcessVMLaunch(settings: settings, program: "/bin/sh", arguments: [Array("sh".utf8), Array("-c".utf8), Array("echo \"$1\" --".utf8)])
        let host = launch.reexecArguments.map { String(decoding: $0, as: UTF8.self) }
        #expect(host[1] == ProcessVMLaunch.reexecMarker)
        #expect(ProcessVMLaunch(reexecArguments: host) == launch)
    }

    @Test func otherArgumentsAreNotALaunch() {
        #expect(ProcessVMLaunch(reexecArguments: ["isola", "exec", "/bin/true"]) == nil)
        #expect(ProcessVMLaunch(reexecArguments: ["isola", ProcessVMLaunch.reexecMarker, "not json", "/bin/true"]) == nil)
        #expect(ProcessVMLaunch(reexecArguments: ["isola", ProcessVMLaunch.reexecMarker]) == nil)
    }
}
