import IsolaHypervisor
import Testing

@Suite struct RestartPolicyTests {
    @Test func policiesDecideByHowTheVMEnded() {
        #expect(!RestartPolicy.never.restarts(afterCrash: true))
        #expect(RestartPolicy.onFailure.restarts(afterCrash: true))
        #expect(!RestartPolicy.onFailure.restarts(afterCrash: false))
        #expect(RestartPolicy.always.restarts(afterCrash: false))
    }

    @Test func backoffDoublesUpToThirtySeconds() {
        let waits = (1...9).map { RestartPolicy.backoffNanoseconds(attempt: $0) / 1_000_000 }
        #expect(waits == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
    }
}
