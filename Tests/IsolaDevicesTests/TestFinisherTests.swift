import IsolaCore
import IsolaDevices
import Testing

@Suite struct TestFinisherTests {
    @Test func passFailAndReset() {
        let power = Power()
        let finisher = TestFinisher(power: power)
        finisher.write(offset: 0, size: 4, value: 0x5555)
        finisher.write(offset: 0, size: 4, value: (42 << 16) | 0x3333)
        finisher.write(offset: 0, size: 4, value: 0x7777)
        finisher.write(offset: 0, size: 4, value: 0x1234)  // not a command
        #expect(power.requests == [.poweroff(exitCode: 0), .poweroff(exitCode: 42), .reset])
    }
}
