import IsolaCore
import IsolaDevices
import Testing

final class Collector: ByteSink {
    var bytes: [UInt8] = []
    func write(byte: UInt8) { bytes.append(byte) }
    func flush() {}
}

final class Line: InterruptLine {
    var level = false
    func setLevel(_ asserted: Bool) { level = asserted }
}

final class Power: PowerControl {
    var requests: [PowerRequest] = []
    func request(_ request: PowerRequest) { requests.append(request) }
}

@Suite struct UART16550Tests {
    @Test func transmitGoesToTheSink() {
        let sink = Collector()
        let uart = UART16550(output: sink)
        uart.write(offset: 0, size: 1, value: 0x41)
        #expect(sink.bytes == [0x41])
        #expect(uart.read(offset: 5, size: 1) & 0x60 == 0x60)  // THRE and TEMT
    }

    @Test func receiveSetsDataReadyAndInterrupt() {
        let line = Line()
        let uart = UART16550(output: Collector(), interrupt: line)
        uart.write(offset: 1, size: 1, value: 1)  // IER: received data available
        uart.receive([0x61, 0x62])
        #expect(line.level)
        #expect(uart.read(offset: 5, size: 1) & 1 == 1)
        #expect(uart.read(offset: 2, size: 1) & 0x0F == 0x04)  // IIR: RDA
        #expect(uart.read(offset: 0, size: 1) == 0x61)
        #expect(uart.read(offset: 0, size: 1) == 0x62)
        #expect(!line.level)
        #expect(uart.read(offset: 5, size: 1) & 1 == 0)
    }

    @Test func divisorLatchDoesNotTransmit() {
        let sink = Collector()
        let uart = UART16550(output: sink)
        uart.write(offset: 3, size: 1, value: 0x80)  // DLAB
        uart.write(offset: 0, size: 1, value: 0x03)
        uart.write(offset: 1, size: 1, value: 0x00)
        #expect(uart.read(offset: 0, size: 1) == 0x03)
        uart.write(offset: 3, size: 1, value: 0x03)  // 8N1, DLAB off
        #expect(sink.bytes.isEmpty)
        #expect(uart.read(offset: 3, size: 1) == 0x03)
    }

    @Test func transmitterEmptyInterrupt() {
        let line = Line()
        let uart = UART16550(output: Collector(), interrupt: line)
        uart.write(offset: 1, size: 1, value: 2)  // IER: THRE
        #expect(line.level)
        #expect(uart.read(offset: 2, size: 1) & 0x0F == 0x02)
        #expect(!line.level)  // reading IIR clears it
    }
}

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
