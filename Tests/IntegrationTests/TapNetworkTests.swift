import Foundation
import IsolaVMM
import Testing

/// `--net tap:IFNAME` in a network namespace this test makes and removes: the
/// guest gets an address, pings the host side of the TAP interface and fetches a
/// page from a web server there with `wget`. Addresses are from 192.0.2.0/24; no
/// traffic leaves the namespace.
@Suite struct TapNetworkTests {
    @Test func guestPingsAndFetchesAPageFromTheHostThroughTap() throws {
        try #require(getuid() == 0, "TAP interfaces and namespaces need root (CI runs as root)")
        try #require(GuestImages.defaultImage != nil, "the test command builds the default image")
        let ns = "isola-test-\(getpid())"
        let site = NSTemporaryDirectory() + "isola-site-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let page = "served-by-the-host-\(UUID().uuidString)"
        try page.write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        defer {
            // The server closes every inherited descriptor, so it holds no pipe of this test open.
            _ = try? LinuxBootTests.shell("kill $(cat '\(site)/server.pid') 2>/dev/null; ip netns del \(ns) 2>/dev/null")
            try? FileManager.default.removeItem(atPath: site)
        }
        let run = try LinuxBootTests.shell("""
            set -e
            ip netns add \(ns)
            ip netns exec \(ns) ip link set lo up
            ip netns exec \(ns) ip tuntap add dev tap0 mode tap
            ip netns exec \(ns) ip addr add 192.0.2.1/24 dev tap0
            ip netns exec \(ns) ip link set tap0 up
            ip netns exec \(ns) python3 -c 'import os, sys; os.closerange(3, 65536); os.execvp(sys.executable, \
              [sys.executable, "-m", "http.server", "--bind", "192.0.2.1", "--directory", sys.argv[1], "8080"])' '\(site)' \
              </dev/null >/dev/null 2>&1 &
            echo $! > '\(site)/server.pid'
            ip netns exec \(ns) '\(CommandLineTests.executable)' run --net tap:tap0 \
              --append 'console=ttyS0 quiet ISOLA_CMD="ifconfig eth0 192.0.2.2 up && ping -c 2 -w 10 192.0.2.1 && wget -q -T 10 -O - http://192.0.2.1:8080/index.html"' </dev/null
            """)
        #expect(run.status == 0, "\(run.output.suffix(1500))")
        #expect(run.output.contains("2 packets received"))
        #expect(run.output.contains(page), "\(run.output.suffix(800))")
    }

    @Test func malformedNetArgumentIsAOneLineError() throws {
        let r = try CommandLineTests.isola(["run", "--net", "tap:", "--console", "none"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("tap:IFNAME"))
    }
}
