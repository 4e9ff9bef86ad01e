import IsolaCore
import IsolaVMM
import Testing

@Suite struct CPUShareTests {
    @Test func weightsBecomeNiceLevelsInCFSProportion() {
        #expect(CPUShare(weight: 100).niceLevel == 0)
        #expect(CPUShare(weight: 300).niceLevel == -5)   // 1.25^5 = 3.05
        #expect(CPUShare(weight: 33).niceLevel == 5)
        #expect(CPUShare(weight: 1).niceLevel == 19)
        #expect(CPUShare(weight: 10_000).niceLevel == -20)
    }

    @Test func outOfRangeValuesAreRefusedByField() {
        #expect(throws: CoreError.invalidConfiguration(field: "cpu.weight", reason: "0: expected 1 to 10000")) { try CPUShare(weight: 0).validate() }
        #expect(throws: CoreError.self) { try CPUShare(cap: 0).validate() }
        #expect(throws: CoreError.invalidConfiguration(field: "cpu.dedicated", reason: "a CPU is named twice")) { try CPUShare(dedicated: [1, 1]).validate() }
        #expect(throws: Never.self) { try CPUShare(dedicated: [0], weight: 500, cap: 150).validate() }
    }
}
