import Atomics
import IsolaHost
import Testing

/// Scheduling every thread of a process while its threads come and go: a thread
/// that ends between the listing of /proc/PID/task and the call is skipped, not an
/// error (a VM's short-lived threads made a container's create fail that way).
@Suite struct HostSchedulingTests {
    @Test func threadsThatEndMeanwhileAreSkipped() throws {
        let stop = ManagedAtomic(false)
        let churn = try HostThread.start(name: "churn") {
            while !stop.load(ordering: .acquiring) {
                (try? HostThread.start(name: "brief") {})?.join()
            }
        }
        defer {
            stop.store(true, ordering: .releasing)
            churn.join()
        }
        let cpus = Array(0..<HostProcess.onlineProcessors)
        for _ in 0..<300 {
            try HostScheduling.setNice(ofProcess: HostProcess.currentID, to: 0)
            try HostScheduling.setAffinity(ofProcess: HostProcess.currentID, to: cpus)
        }
    }
}
