import IsolaHypervisor
import Testing

@Suite struct HostCPUPoolTests {
    @Test func partitionsAreDisjointAndLeaveASharedCPU() {
        var pool = HostCPUPool(cpus: [0, 1, 2, 3])
        #expect(pool.shared == [0, 1, 2, 3])
        #expect(pool.refusal(of: [3], for: "a") == nil)
        pool.assign([3], to: "a")
        #expect(pool.shared == [0, 1, 2])
        #expect(pool.refusal(of: [3], for: "b") == "host CPU 3 is dedicated to VM 'a'")
        #expect(pool.refusal(of: [3], for: "a") == nil, "a VM may keep its own CPUs")
        #expect(pool.refusal(of: [7], for: "b") == "host CPU 7 is not one of the hypervisor's (0,1,2,3)")
        #expect(pool.refusal(of: [0, 1, 2], for: "b")?.contains("would leave no host CPU") == true)
        #expect(pool.refusal(of: [1, 2], for: "b") == nil)
        pool.release("a")
        #expect(pool.shared == [0, 1, 2, 3])
    }
}
