import IsolaCore
import IsolaDevices
import Testing

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
