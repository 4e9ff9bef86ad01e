import Foundation
import IsolaVMM
import Testing

/// `--net tap:IFNAME` in a network namespace this test makes and removes: the
/// guest gets an address and pings the host side of the TAP interface.
/// Addresses are from 192.0.2.0/24; no traffic leaves the namespace.
@Suite struct TapNetworkTests {
    @Test func guestPingsTheHostThroughTap() throws {
        try #require(getuid() == 0, "TAP interfaces and namespaces need root (CI runs as root)")
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let ns = "isola-test-\(getpid())"
        defer { _ = try? LinuxBootTests.shell("ip netns del \(ns) 2>/dev/null") }
        let run = try LinuxBootTests.shell("""
            set -e
            ip netns add \(ns)
            ip netns exec \(ns) ip link set lo up
            ip netns exec \(ns) ip tuntap add dev tap0 mode tap
            ip netns exec \(ns) ip addr add 192.0.2.1/24 dev tap0
            ip netns exec \(ns) ip link set tap0 up
            ip netns exec \(ns) '\(CommandLineTests.executable)' run --net tap:tap0 \
              --append 'console=ttyS0 quiet ISOLA_CMD="ifconfig eth0 192.0.2.2 up && ping -c 2 -w 10 192.0.2.1"' </dev/null
            """)
        #expect(run.status == 0, "\(run.output.suffix(1500))")
        #expect(run.output.contains("2 packets received"))
    }

    @Test func malformedNetArgumentIsAOneLineError() throws {
        let r = try CommandLineTests.isola(["run", "--net", "tap:", "--console", "none"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("tap:IFNAME"))
    }
}
