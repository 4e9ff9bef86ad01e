import Foundation
import IsolaHost
import IsolaCore
import IsolaHypervisor
import Testing

/// `isola serve` driven through its API as a user drives it: VMs in worker processes,
/// their lifecycle, crash isolation, restart policies, partitions, metrics, refusals.
@Suite(.serialized) struct HypervisorTests {
    @Test func malformedRequestsAreRefusedNamingTheFieldAndChangeNothing() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("good")).status == 201)
        let refusals: [(String, String, String?, Int, String?)] = [
            ("POST", "/vms", "{\"name\":\"x\",\"memry\":\"64M\"}", 400, "memry"),
            ("POST", "/vms", "{\"name\":\"x\",\"engine\":\"fast\"}", 400, "engine"),
            ("POST", "/vms", "{\"name\":\"x\",\"codeCacheMiB\":0}", 400, "codeCacheMiB"),
            ("POST", "/vms", "{\"name\":\"x\",\"cap\":\"half\"}", 400, "cap"),
            ("POST", "/vms", "{\"name\":\"x\",\"vcpus\":0}", 400, "vcpus"),
            ("POST", "/vms", "{\"name\":\"x\",\"memory\":\"12Q\"}", 400, "memory"),
            ("POST", "/vms", "{\"name\":\"a/b\"}", 400, "name"),
            ("POST", "/vms", "{\"memory\":\"64M\"}", 400, "name"),
            ("POST", "/vms", "{\"name\":\"x\",\"kernel\":\"/nonexistent/Image\"}", 400, "kernel"),
            ("POST", "/vms", "{\"name\":\"x\",\"disks\":[{\"path\":\"/tmp\",\"formt\":\"raw\"}]}", 400, "disks[0].formt"),
            ("POST", "/vms", "{\"name\":\"x\",\"restart\":\"sometimes\"}", 400, "restart"),
            ("POST", "/vms", "{\"name\":\"x\",\"shares\":[{\"path\":\"/tmp\"}]}", 400, "shares[0].tag"),
            ("POST", "/vms", "{\"name\":\"x\",\"shares\":[{\"path\":\"/tmp\",\"tag\":\"a,b\"}]}", 400, "shares[0]"),
            ("POST", "/vms", "{\"name\":\"x\",\"shares\":{\"path\":\"/tmp\"}}", 400, "shares"),
            ("POST", "/vms", "{\"name\":\"x\",\"cpus\":[1,1]}", 400, "cpus"),
            ("POST", "/vms", "{not json", 400, "body"),
            ("POST", "/vms", try HypervisorHarness.linux("good"), 409, "name"),
            ("PATCH", "/vms/good", "{\"weight\":0}", 400, "weight"),
            ("PATCH", "/vms/good", "{\"cap\":true}", 400, "cap"),
            ("PATCH", "/vms/good", "{\"colour\":\"red\"}", 400, "colour"),
            ("PATCH", "/vms/good", "{}", 400, "body"),
            ("PATCH", "/vms/good", "{\"balloonTargetMiB\":8}", 409, nil),
            ("PATCH", "/vms/good", "{\"balloonTargetMiB\":17592186044416}", 400, "balloonTargetMiB"),
            ("PATCH", "/vms/good", "{\"vcpus\":0}", 400, "vcpus"),
            ("PATCH", "/vms/good", "{\"vcpus\":2}", 409, "vcpus"),
            ("POST", "/vms/good/stop", "{\"timeoutSeconds\":-1}", 400, "timeoutSeconds"),
            ("POST", "/vms/good/pause", nil, 409, nil),
            ("POST", "/vms/good/resume", nil, 409, nil),
            ("POST", "/vms/good/stop", nil, 409, nil),
            ("POST", "/vms/good/snapshots", "{\"tag\":\"t\"}", 409, nil),
            ("POST", "/vms/good/snapshots", "{}", 400, "tag"),
            ("POST", "/vms/good/restore", "{\"tag\":\"none\"}", 404, nil),
            ("POST", "/vms/good/restore", "{\"tag\":\"t\",\"clock\":\"later\"}", 400, "clock"),
            ("POST", "/vms/good/start", "{\"now\":true}", 400, "now"),
            ("POST", "/vms/nobody/start", nil, 404, nil),
            ("GET", "/no/such/path", nil, 404, nil),
            ("GET", "/vms/good/console?follow=null", nil, 400, "follow"),
            ("GET", "/vms/good/console?follow=1.5", nil, 400, "follow"),
            ("POST", "/vms/good/stop", "{\"timeoutSeconds\":null}", 400, "timeoutSeconds"),
            ("POST", "/vms/good/snapshots", "{\"tag\":\"\"}", 400, "tag"),
            ("POST", "/vms/good/snapshots", "{\"tag\":\"a\\u0000b\"}", 400, "tag"),
            ("POST", "/vms", "{\"name\":\"x\",\"memory\":\"+64M\"}", 400, "memory"),
            ("POST", "/vms", "{\"name\":\"x\",\"networks\":[\"switch:a,,mac=02:00:00:00:00:01\"]}", 400, "networks[0]"),
            ("POST", "/vms", "{\"name\":\"x\",\"networks\":[\"switch:../up\"]}", 400, "networks[0]"),
            ("POST", "/vms", "{\"name\":\"x\",\"policy\":{\"rules\":[{\"event\":\"net\",\"action\":\"log\",\"detail\":null}]}}", 400, "policy.rules[0].detail"),
        ]
        let before = try hv.call("GET", "/vms").text
        for (method, path, body, status, field) in refusals {
            let answer = try hv.call(method, path, body)
            #expect(answer.status == status, "\(method) \(path) \(body ?? ""): \(answer.status) \(answer.text)")
            #expect(answer.json?["error"] is String, "\(method) \(path): no JSON error in \(answer.text)")
            if let field { #expect(answer.json?["field"] as? String == field, "\(method) \(path) \(body ?? ""): \(answer.text)") }
        }
        #expect(try hv.call("GET", "/vms").text == before, "a refused request changed something")
        #expect(try hv.state("good") == "created")
        #expect(!FileManager.default.fileExists(atPath: hv.directory + "/x.isola"))
    }

    @Test func aVMGoesThroughItsLifeAndRefusesWhatMakesNoSense() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("life")).status == 201)
        #expect(try hv.call("POST", "/vms/life/start").json?["state"] as? String == "running")
        #expect(try hv.call("POST", "/vms/life/start").status == 409)
        #expect(try hv.wait { try hv.counts("life").count >= 3 }, "the guest does not count")
        #expect(try hv.call("POST", "/vms/life/pause").json?["state"] as? String == "paused")
        let paused = try hv.counts("life").last ?? 0
        usleep(800_000)
        #expect((try hv.counts("life").last ?? 0) <= paused + 1, "the guest ran on while paused")
        #expect(try hv.call("POST", "/vms/life/pause").status == 409)
        #expect(try hv.call("DELETE", "/vms/life").status == 409)
        #expect(try hv.call("POST", "/vms/life/resume").json?["state"] as? String == "running")
        #expect(try hv.wait { (try hv.counts("life").last ?? 0) > paused + 2 }, "the guest did not go on after resume")
        #expect(try hv.call("POST", "/vms/life/snapshots", "{\"tag\":\"s1\"}").status == 201)
        #expect(try hv.call("POST", "/vms/life/snapshots", "{\"tag\":\"s1\"}").status == 409)
        let saved = try hv.counts("life").last ?? 0

        // A graceful stop: the guest hears the power-down request and powers off itself.
        let stopping = try hv.call("POST", "/vms/life/stop", "{\"timeoutSeconds\":20}")
        #expect(stopping.status == 202 && stopping.json?["state"] as? String == "stopping", "\(stopping.text)")
        #expect(try hv.wait(seconds: 25) { try hv.state("life") == "stopped" }, "the graceful stop did not end")
        #expect(try hv.vm("life")["lastExit"].flatMap { ($0 as? [String: Any])?["reason"] as? String } == "stopped through the API")
        let console = try hv.client.request("GET", "/vms/life/console").text
        #expect(console.contains("sysrq: Power Off"), "the guest was not asked to power down: \(console.suffix(400))")
        #expect(try hv.call("POST", "/vms/life/stop").status == 409)

        // Restored, the counter goes on from the snapshot's value.
        #expect(try hv.call("POST", "/vms/life/restore", "{\"tag\":\"s1\"}").json?["state"] as? String == "running")
        #expect(try hv.wait { (try hv.counts("life").last ?? 0) >= saved + 3 })
        let firstAfter = try hv.counts("life").first ?? 0
        #expect(firstAfter > saved - 5 && firstAfter <= saved + 2, "the restored guest started counting at \(firstAfter), saved at \(saved)")
        #expect(try hv.call("POST", "/vms/life/stop", "{\"force\":true}").json?["state"] as? String == "stopped")
        #expect(try hv.call("DELETE", "/vms/life").status == 204)
        #expect(try hv.call("GET", "/vms/life").status == 404)
        #expect(!FileManager.default.fileExists(atPath: hv.directory + "/life.isola"))
    }

    @Test func aKilledWorkerIsRecordedAndRestartedWhileTheOtherVMRunsOn() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("victim", extra: ",\"restart\":\"on-failure\"")).status == 201)
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("bystander", extra: ",\"vcpus\":2")).status == 201)
        for name in ["victim", "bystander"] { #expect(try hv.call("POST", "/vms/\(name)/start").status == 200) }
        #expect(try hv.wait { try hv.counts("victim").count >= 2 && hv.counts("bystander").count >= 2 })
        let pid = try #require(try hv.vm("victim")["pid"] as? Int)
        let bystanderPid = try hv.vm("bystander")["pid"] as? Int
        let before = try hv.counts("bystander").last ?? 0

        kill(Int32(pid), SIGKILL)
        #expect(try hv.wait(seconds: 1) { try hv.state("victim") == "crashed" }, "the supervisor did not notice the dead worker at once")
        let exit = try #require(try hv.vm("victim")["lastExit"] as? [String: Any])
        #expect(exit["signal"] as? Int == 9)
        #expect((exit["reason"] as? String)?.contains("SIGKILL") == true)
        #expect((exit["console"] as? [String])?.contains { $0.hasPrefix("count=") } == true, "no console lines in \(exit)")

        // The other VM never noticed.
        #expect(try hv.vm("bystander")["pid"] as? Int == bystanderPid)
        #expect(try hv.wait { (try hv.counts("bystander").last ?? 0) >= before + 5 }, "the bystander stopped counting")
        // on-failure: back after the backoff, a new worker, counting from the start.
        #expect(try hv.wait(seconds: 30) { try hv.state("victim") == "running" && (hv.vm("victim")["restarts"] as? Int) == 1 })
        #expect(try hv.vm("victim")["pid"] as? Int != pid)
        #expect(try hv.wait { try hv.counts("victim").count >= 2 })
        #expect(try hv.state("bystander") == "running")
    }

    /// A mixed environment under one supervisor: Linux with a disk, Linux with another
    /// command line and two vCPUs, and a bare-metal program; one worker is killed and
    /// the other guests go on.
    @Test func mixedGuestsRunTogetherAndSurviveTheKillOfOne() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        let disk = try LinuxBootTests.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let writer = "mount /dev/vda /mnt && i=0; while true; do i=$((i+1)); echo count=$i; echo $i > /mnt/c; sleep 0.2; done"
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("disk", command: writer, extra: ",\"disks\":[{\"path\":\"\(disk)\"}]")).status == 201)
        let smp = "echo harts=$(grep -c ^processor /proc/cpuinfo); i=0; while true; do i=$((i+1)); echo count=$i; sleep 0.2; done"
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("smp", command: smp, extra: ",\"vcpus\":2")).status == 201)
        let ticker = GuestRunner.repositoryRoot.appendingPathComponent(".build/bare-metal/ticker.elf").path
        #expect(try hv.call("POST", "/vms", "{\"name\":\"bare\",\"memory\":\"16M\",\"bios\":\"\(ticker)\"}").status == 201)
        for name in ["disk", "smp", "bare"] {
            let started = try hv.call("POST", "/vms/\(name)/start")
            #expect(started.status == 200, "\(name): \(started.text)")
        }
        func ticks() throws -> Int { try hv.client.request("GET", "/vms/bare/console").text.components(separatedBy: "tick ").count - 1 }
        #expect(try hv.wait { try hv.counts("disk").count >= 3 && hv.counts("smp").count >= 3 && ticks() >= 3 }, "not every guest runs")
        #expect(try hv.client.request("GET", "/vms/smp/console").text.contains("harts=2"))
        #expect(!(try hv.client.request("GET", "/vms/disk/console").text.contains("harts=")), "the guests' command lines got mixed")

        let victim = Int32(try #require(try hv.vm("smp")["pid"] as? Int))
        let (disk0, ticks0) = (try hv.counts("disk").last ?? 0, try ticks())
        kill(victim, SIGKILL)
        #expect(try hv.wait(seconds: 1) { try hv.state("smp") == "crashed" })
        let progressed = try hv.wait {
            let (count, tick) = (try hv.counts("disk").last ?? 0, try ticks())
            return count >= disk0 + 5 && tick >= ticks0 + 5
        }
        #expect(progressed, "the other guests stopped making progress")
        #expect(try hv.state("disk") == "running" && hv.state("bare") == "running")
        #expect(try hv.call("POST", "/vms/disk/stop", "{\"timeoutSeconds\":20}").status == 202)
        #expect(try hv.wait(seconds: 25) { try hv.state("disk") == "stopped" })
        // The VM wrote its own overlay (the base stays as it was): read the file through it.
        let overlay = hv.directory + "/disk.isola/disk0.qcow2"
        let written = try LinuxBootTests.shell("qemu-img convert -O raw '\(overlay)' '\(disk).raw' && debugfs -R 'cat /c' '\(disk).raw' 2>/dev/null; rm -f '\(disk).raw'")
        #expect(Int(written.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= disk0 + 5,
                "the disk guest's writes did not reach its disk: \(written.output)")
    }

    @Test func dedicatedCPUsArePinnedAndNeverShared() throws {
        let cpus = HostScheduling.allowedCPUs()
        guard cpus.count >= 2 else { return }
        let mine = cpus[cpus.count - 1]
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("owner", extra: ",\"cpus\":[\(mine)]")).status == 201)
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("tenant")).status == 201)
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("rival", extra: ",\"cpus\":[\(mine)]")).status == 201)
        #expect(try hv.call("POST", "/vms/tenant/start").status == 200)
        #expect(try hv.call("POST", "/vms/owner/start").status == 200)
        let owner = Int32(try #require(try hv.vm("owner")["pid"] as? Int))
        let tenant = Int32(try #require(try hv.vm("tenant")["pid"] as? Int))
        #expect(HostScheduling.threads(of: owner).allSatisfy { (try? HostScheduling.affinity(of: $0)) == [mine] })
        #expect(try hv.wait(seconds: 5) { HostScheduling.threads(of: tenant).allSatisfy { (try? HostScheduling.affinity(of: $0))?.contains(mine) == false } },
                "the shared VM still runs on the dedicated CPU")
        let refused = try hv.call("POST", "/vms/rival/start")
        #expect(refused.status == 409 && refused.json?["field"] as? String == "cpus", "\(refused.text)")
        #expect((refused.json?["error"] as? String)?.contains("dedicated to VM 'owner'") == true, "\(refused.text)")
        #expect(try hv.state("rival") == "created")
        let everything = try hv.call("PATCH", "/vms/tenant", "{\"cpus\":[\(cpus.map(String.init).joined(separator: ","))]}")
        #expect(everything.status == 409, "\(everything.text)")

        // When the partition ends, the shared VMs get its CPU back.
        #expect(try hv.call("POST", "/vms/owner/stop", "{\"force\":true}").status == 200)
        #expect(try hv.wait(seconds: 5) { HostScheduling.threads(of: tenant).allSatisfy { (try? HostScheduling.affinity(of: $0)) == cpus } })
        #expect(try hv.call("POST", "/vms/rival/start").status == 200)
    }

    @Test func aCappedVMIsThrottledAndTheCapChangesLive() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        let spin = "echo spinning; while true; do :; done"
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("spinner", command: spin, extra: ",\"cap\":20")).status == 201)
        #expect(try hv.call("POST", "/vms/spinner/start").status == 200)
        #expect(try hv.wait { try hv.client.request("GET", "/vms/spinner/console").text.contains("spinning") })
        let pid = Int32(try #require(try hv.vm("spinner")["pid"] as? Int))
        func cpuShare(over seconds: Double) -> Double {
            let start = HostProcessUsage.read(pid: pid)?.cpuNanoseconds ?? 0
            let t0 = HostClock.monotonicNanoseconds()
            usleep(UInt32(seconds * 1e6))
            let used = (HostProcessUsage.read(pid: pid)?.cpuNanoseconds ?? 0) - start
            return Double(used) / Double(HostClock.monotonicNanoseconds() - t0)
        }
        // Functional, not a timing benchmark: far under a whole CPU with the cap, far over it without.
        #expect(cpuShare(over: 2) < 0.5, "a VM capped at 20% used more than half a CPU")
        let patched = try hv.call("PATCH", "/vms/spinner", "{\"cap\":null,\"weight\":200}")
        #expect(patched.status == 200, "\(patched.text)")
        #expect((patched.json?["cpu"] as? [String: Any])?["cap"] == nil)
        #expect(cpuShare(over: 2) > 0.6, "removing the cap did not let the VM run")
    }

    @Test func vCPUsGoOfflineAndOnlineWhileTheGuestRuns() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("hot", extra: ",\"vcpus\":3")).status == 201)
        #expect(try hv.call("PATCH", "/vms/hot", "{\"vcpus\":2}").status == 409, "hotplug of a VM that is not running")
        #expect(try hv.call("POST", "/vms/hot/start").status == 200)
        func online() throws -> Int? { try hv.vm("hot")["vcpusOnline"] as? Int }
        #expect(try hv.wait { try hv.counts("hot").count >= 2 && online() == 3 })
        #expect(try hv.call("PATCH", "/vms/hot", "{\"vcpus\":4}").json?["field"] as? String == "vcpus")
        #expect(try hv.call("PATCH", "/vms/hot", "{\"vcpus\":1}").status == 200)
        #expect(try hv.wait(seconds: 20) { try online() == 1 }, "the guest did not take two harts offline")
        let counted = try hv.counts("hot").last ?? 0
        #expect(try hv.wait { (try hv.counts("hot").last ?? 0) >= counted + 3 }, "the guest stopped with one hart")
        #expect(try hv.call("PATCH", "/vms/hot", "{\"vcpus\":3}").status == 200)
        #expect(try hv.wait(seconds: 20) { try online() == 3 }, "the guest did not bring its harts back")
        #expect(try hv.wait { try hv.client.request("GET", "/vms/hot/console").text.contains("isola: 0-2 online") })
        // The balloon, live: the target reaches the worker.
        #expect(try hv.call("PATCH", "/vms/hot", "{\"balloonTargetMiB\":16}").json?["balloonTargetBytes"] as? Int == 16 << 20)
        #expect(try hv.call("PATCH", "/vms/hot", "{\"balloonTargetMiB\":64}").json?["field"] as? String == "balloonTargetMiB")
    }

    @Test func thePolicyDeniesAuditsAndRateLimitsWhatTheGuestDoes() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        let disk = try LinuxBootTests.ext4Image()
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let policy = "{\"rules\":[{\"event\":\"disk\",\"detail\":\"write\",\"action\":\"deny\"},{\"event\":\"sbi\",\"detail\":\"srst\",\"action\":\"log\"}]}"
        let probe = "dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct; echo dd=$?; devmem 0x20000000 32; echo devmem=$?; "
            + "s=$(date +%s); dd if=/dev/vda of=/dev/null bs=64k count=48 iflag=direct; echo read=$? seconds=$(( $(date +%s) - s )); sleep 1000"
        let create = try HypervisorHarness.linux("guarded", command: probe, extra: ",\"disks\":[{\"path\":\"\(disk)\"}],\"policy\":\(policy)")
        #expect(try hv.call("POST", "/vms", create).status == 201)
        // Bad policies are refused naming the field, before anything runs.
        let bad: [(String, String)] = [
            ("{\"policy\":{\"rules\":[{\"event\":\"dsk\",\"action\":\"deny\"}]}}", "policy.rules[0].event"),
            ("{\"policy\":{\"rules\":[{\"event\":\"disk\",\"acton\":\"deny\"}]}}", "policy.rules[0].acton"),
            ("{\"policy\":{\"rules\":[{\"event\":\"disk\",\"action\":\"limit\"}]}}", "policy.rules[0]"),
            ("{\"policy\":{\"rules\":[{\"event\":\"sbi\",\"action\":\"limit\",\"opsPerSecond\":5}]}}", "policy.rules[0].action"),
            ("{\"policy\":{\"rulez\":[]}}", "policy.rulez"),
        ]
        for (body, field) in bad {
            let answer = try hv.call("PATCH", "/vms/guarded", body)
            #expect(answer.status == 400 && answer.json?["field"] as? String == field, "\(body): \(answer.text)")
        }
        // Reads limited to 1 MiB/s (a second's burst): 3 MiB take at least two seconds.
        let limit = "{\"policy\":{\"rules\":[{\"event\":\"disk\",\"detail\":\"write\",\"action\":\"deny\"},"
            + "{\"event\":\"sbi\",\"detail\":\"srst\",\"action\":\"log\"},"
            + "{\"event\":\"disk\",\"detail\":\"read\",\"action\":\"limit\",\"bytesPerSecond\":1048576}]}}"
        #expect(try hv.call("PATCH", "/vms/guarded", limit).status == 200)
        #expect(try hv.call("POST", "/vms/guarded/start").status == 200)
        #expect(try hv.wait { try hv.client.request("GET", "/vms/guarded/console").text.contains("read=") })
        let console = try hv.client.request("GET", "/vms/guarded/console").text
        #expect(console.contains("Input/output error") && console.contains("dd=1"), "the denied write went through: \(console.suffix(600))")
        #expect(console.contains("devmem=139"), "the access to nowhere did not fault: \(console.suffix(600))")
        let seconds = console.components(separatedBy: "seconds=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect(console.contains("read=0") && seconds >= 2, "3 MiB read in \(seconds) s under a 1 MiB/s limit")
        let audit = try String(contentsOfFile: hv.directory + "/guarded.isola/audit.log", encoding: .utf8)
        #expect(audit.contains("\"event\":\"disk\",\"detail\":\"write\",\"address\":\"0x0\",\"bytes\":4096,\"action\":\"deny\",\"rule\":0"), "\(audit)")
        #expect(audit.contains("\"event\":\"unmapped\",\"detail\":\"access\",\"address\":\"0x20000000\""), "\(audit)")
        let events = try #require(try hv.vm("guarded")["events"] as? [String: [String: [Int]]])
        #expect((events["disk"]?["read"]?[1] ?? 0) >= 3 << 20, "\(events)")
        #expect((events["sbi"]?.values.map { $0[0] }.reduce(0, +) ?? 0) > 0, "\(events)")
        #expect((events["mmio"]?["uart"]?[0] ?? 0) > 0, "\(events)")
        let metrics = try hv.client.request("GET", "/metrics").text
        #expect(metrics.contains("isola_vm_events_total{vm=\"guarded\",kind=\"disk\",detail=\"write\"} 1"), "\(metrics)")
        // The policy goes away live.
        #expect(try hv.call("PATCH", "/vms/guarded", "{\"policy\":null}").status == 200)
        #expect(try hv.vm("guarded")["policy"] == nil)

        // Frames: a guest whose transmissions are denied never hears an answer; each frame is audited.
        let quiet = "{\"rules\":[{\"event\":\"net\",\"detail\":\"tx\",\"action\":\"deny\"}]}"
        let ping = "ifconfig eth0 192.0.2.9 up && ping -c 2 -w 3 192.0.2.8; echo ping=$?; sleep 1000"
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("muted", command: ping, extra: ",\"networks\":[\"switch:policy-test\"],\"policy\":\(quiet)")).status == 201)
        #expect(try hv.call("POST", "/vms/muted/start").status == 200)
        #expect(try hv.wait { try hv.client.request("GET", "/vms/muted/console").text.contains("ping=") })
        #expect(try hv.client.request("GET", "/vms/muted/console").text.contains("ping=1"))
        let netAudit = try String(contentsOfFile: hv.directory + "/muted.isola/audit.log", encoding: .utf8)
        #expect(netAudit.contains("\"event\":\"net\",\"detail\":\"tx\""), "\(netAudit)")
        let netEvents = try #require(try hv.vm("muted")["events"] as? [String: [String: [Int]]])
        #expect((netEvents["net"]?["tx"]?[0] ?? 0) >= 1 && (netEvents["net"]?["tx"]?[1] ?? 0) >= 42, "\(netEvents)")
    }

    /// A guest that ignores the power-down request (SysRq off) holds nothing but its own
    /// stop: while a stop with a long window waits, the VM is `stopping`, every request
    /// on it and on other VMs is answered at once, a forced stop overtakes the wait, and
    /// SIGTERM ends the hypervisor within its shutdown window, not the stop's.
    @Test func aStopThatWaitsBlocksNothingAndTheHypervisorEndsInBoundedTime() throws {
        let hv = try HypervisorHarness(arguments: ["--shutdown-timeout", "2"])
        defer { hv.close() }
        let deaf = "echo 0 > /proc/sys/kernel/sysrq; i=0; while true; do i=$((i+1)); echo count=$i; sleep 0.2; done"
        for name in ["deaf1", "deaf2"] {
            #expect(try hv.call("POST", "/vms", HypervisorHarness.linux(name, command: deaf)).status == 201)
        }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("other")).status == 201)
        for name in ["deaf1", "deaf2", "other"] { #expect(try hv.call("POST", "/vms/\(name)/start").status == 200) }
        #expect(try hv.wait { try hv.counts("deaf1").count >= 2 && hv.counts("deaf2").count >= 2 }, "the guests do not count")

        let longStop = try hv.call("POST", "/vms/deaf1/stop", "{\"timeoutSeconds\":600}")
        #expect(longStop.status == 202 && longStop.json?["state"] as? String == "stopping", "\(longStop.status) \(longStop.text)")
        let refusals: [(String, String, String?)] = [
            ("PATCH", "/vms/deaf1", "{\"weight\":7}"), ("POST", "/vms/deaf1/pause", nil), ("POST", "/vms/deaf1/resume", nil),
            ("POST", "/vms/deaf1/start", nil), ("POST", "/vms/deaf1/stop", nil), ("DELETE", "/vms/deaf1", nil),
            ("POST", "/vms/deaf1/snapshots", "{\"tag\":\"t\"}"), ("POST", "/vms/deaf1/restore", "{\"tag\":\"t\"}"),
        ]
        for (method, path, body) in refusals {
            let began = Date()
            let answer = try hv.call(method, path, body)
            #expect(answer.status == 409 || (path.hasSuffix("restore") && answer.status == 404), "\(method) \(path): \(answer.status) \(answer.text)")
            if answer.status == 409 { #expect(answer.text.contains("stopping"), "\(method) \(path): \(answer.text)") }
            #expect(Date().timeIntervalSince(began) < 5, "\(method) \(path) waited on the stop")
        }
        #expect(try hv.call("PATCH", "/vms/other", "{\"weight\":7}").status == 200)
        #expect(try hv.call("POST", "/vms/other/pause").status == 200)
        #expect(try hv.call("POST", "/vms/other/resume").status == 200)
        #expect(try hv.client.request("GET", "/metrics").text.contains("isola_vms{state=\"stopping\"} 1"))
        usleep(2_000_000)
        #expect(try hv.state("deaf1") == "stopping", "the graceful stop ended though the guest ignores it")
        #expect((try hv.counts("deaf1").last ?? 0) > 0)

        // A forced stop ends the worker at once, without waiting out the first one's window.
        let forced = try hv.call("POST", "/vms/deaf1/stop", "{\"force\":true}")
        #expect(forced.status == 200 && forced.json?["state"] as? String == "stopped", "\(forced.status) \(forced.text)")

        // SIGTERM while a stop with a 600 s window goes on: the hypervisor ends within its own.
        let pid = Int32(try #require(try hv.vm("deaf2")["pid"] as? Int))
        #expect(try hv.call("POST", "/vms/deaf2/stop", "{\"timeoutSeconds\":600}").status == 202)
        // A console stream is open too: the shutdown must not wait for it either.
        let socket = hv.socket
        let stream = Thread { _ = try? APIClient(socketPath: socket).stream("GET", "/vms/other/console?follow=true") { _ in true } }
        stream.start()
        let began = Date()
        hv.server.terminate()
        hv.server.waitUntilExit()
        let took = Date().timeIntervalSince(began)
        #expect(took < 30, "SIGTERM took \(took) s to end the hypervisor (window 2 s)")
        #expect(kill(pid, 0) != 0, "the ignoring guest's worker outlived the hypervisor")
        for name in ["deaf1", "deaf2", "other"] {
            let record = try String(contentsOfFile: hv.directory + "/\(name).isola/hypervisor.json", encoding: .utf8)
            #expect(record.contains("\"state\":\"stopped\""), "\(name): \(record)")
        }
    }

    /// A method no route answers on a path that exists is a 405 naming what it answers.
    @Test func undeclaredMethodsAnswer405WithAllow() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        for (path, allow) in [("/", "GET"), ("/vms", "GET, POST"), ("/metrics", "GET"), ("/vms/any", "GET, PATCH, DELETE"),
                              ("/vms/any/snapshots", "GET, POST")] {
            for method in ["TRACE", "PUT"] {
                let r = try hv.client.request(method, path)
                #expect(r.status == 405, "\(method) \(path): \(r.status)")
                #expect(r.headers.contains { $0.0.lowercased() == "allow" && $0.1 == allow }, "\(method) \(path): \(r.headers)")
                #expect(r.text.contains("is not allowed on \(path)"), "\(r.text)")
            }
        }
        #expect(try hv.client.request("TRACE", "/nothing-here").status == 404)
    }

    /// With no VM at all, /metrics still names the build and counts VMs by state.
    @Test func metricsWithoutVMsHaveTheBuildAndTheStates() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        let metrics = try hv.client.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("isola_build_info{version=\"\(IsolaVersion.current)\"} 1"), "\(metrics.text)")
        for state in VMState.allCases {
            #expect(metrics.text.contains("isola_vms{state=\"\(state.rawValue)\"} 0"), "\(metrics.text)")
        }
    }

    @Test func metricsAndTheCommandLineClientSeeTheRunningVMs() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("m1")).status == 201)
        #expect(try hv.call("POST", "/vms/m1/start").status == 200)
        #expect(try hv.wait { try hv.counts("m1").count >= 2 })
        let metrics = try hv.client.request("GET", "/metrics")
        #expect(metrics.status == 200)
        for line in ["isola_vm_state{vm=\"m1\",state=\"running\"} 1", "isola_vm_cpu_seconds_total{vm=\"m1\"}",
                     "isola_vm_instructions_retired_total{vm=\"m1\"}", "isola_vm_resident_bytes{vm=\"m1\"}"] {
            #expect(metrics.text.contains(line), "no \(line) in\n\(metrics.text)")
        }
        let socket = ["--socket", hv.socket]
        let list = try CommandLineTests.isola(["vm", "ls"] + socket)
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix("NAME") && list.stdout.contains("m1") && list.stdout.contains("running"), "\(list.stdout)")
        let stop = try CommandLineTests.isola(["vm", "stop", "m1", "--force"] + socket)
        #expect(stop.stdout == "m1: stopped\n", "\(stop.stdout) \(stop.stderr)")
        CommandLineTests().expectOneLineError(try CommandLineTests.isola(["vm", "start", "nobody"] + socket), mentioning: "VM 'nobody' not found")
        CommandLineTests().expectOneLineError(try CommandLineTests.isola(["vm", "pause", "m1"] + socket), mentioning: "only a running VM can be paused")
        CommandLineTests().expectOneLineError(try CommandLineTests.isola(["vm", "ls", "--socket", hv.directory + "/none.sock"]),
                                              mentioning: "no hypervisor answers")
    }

    @Test func endingTheHypervisorStopsItsVMsAndATerminalsCtrlCIsItsAlone() throws {
        let hv = try HypervisorHarness()
        defer { hv.close() }
        #expect(try hv.call("POST", "/vms", HypervisorHarness.linux("last", extra: ",\"restart\":\"always\"")).status == 201)
        #expect(try hv.call("POST", "/vms/last/start").status == 200)
        let pid = Int32(try #require(try hv.vm("last")["pid"] as? Int))
        #expect(getpgid(pid) == pid, "the worker shares a process group (a terminal's Ctrl-C would reach it)")
        hv.server.terminate()
        hv.server.waitUntilExit()
        #expect(kill(pid, 0) != 0, "the worker outlived its hypervisor")
        let record = try String(contentsOfFile: hv.directory + "/last.isola/hypervisor.json", encoding: .utf8)
        #expect(record.contains("\"state\":\"stopped\""), "\(record)")
        #expect(!FileManager.default.fileExists(atPath: hv.socket))
    }

    @Test func theOpenAPIDocumentListsExactlyTheRoutesTheServerAnswers() throws {
        let text = try String(contentsOfFile: GuestRunner.repositoryRoot.appendingPathComponent("docs/api/openapi.yaml").path, encoding: .utf8)
        var documented: [String] = []
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                path = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "),
                      let method = ["get", "post", "patch", "delete", "put"].first(where: { line.hasPrefix("    \($0):") }) {
                documented.append("\(method.uppercased()) \(path)")
            }
        }
        let hv = try HypervisorHarness()
        defer { hv.close() }
        let supervisor = try Supervisor(stateDirectory: hv.directory + "/routes", executable: CommandLineTests.executable)
        #expect(Set(documented) == Set(ControlAPI(supervisor: supervisor).routes), "the document and the server disagree")
        // And the running server answers each one: never "no such resource".
        for route in documented {
            let parts = route.split(separator: " ")
            let answer = try hv.call(String(parts[0]), parts[1].replacingOccurrences(of: "{name}", with: "nobody"))
            let error = (answer.json?["error"] as? String) ?? ""
            #expect(!error.hasPrefix("no such resource"), "\(route): \(answer.text)")
        }
    }

    /// The server's code is generated from the document (scripts/generate-api.sh) and
    /// committed: each generated file names the digest of the document and the
    /// generator's configuration it came from, which must be theirs now.
    @Test func theGeneratedServerIsTheDocumentsOwn() throws {
        let root = GuestRunner.repositoryRoot
        let digest = Process()
        digest.executableURL = URL(fileURLWithPath: "/bin/sh")
        digest.arguments = ["-c", "cat docs/api/openapi.yaml scripts/openapi/openapi-generator-config.yaml | sha256sum"]
        digest.currentDirectoryURL = root
        let pipe = Pipe()
        digest.standardOutput = pipe
        try digest.run()
        digest.waitUntilExit()
        let sum = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        #expect(sum.count == 64)
        let generated = root.appendingPathComponent("Sources/IsolaHypervisor/API/Generated")
        let files = try FileManager.default.contentsOfDirectory(atPath: generated.path).filter { $0.hasSuffix(".swift") }
        #expect(files.contains("Server.swift") && files.contains("Types.swift"))
        for file in files {
            let text = try String(contentsOfFile: generated.appendingPathComponent(file).path, encoding: .utf8)
            #expect(text.contains("SHA-256 \(sum)"), "\(file) was generated from another document: run scripts/generate-api.sh")
        }
    }
}
