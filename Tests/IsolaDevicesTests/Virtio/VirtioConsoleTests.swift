import IsolaCore
import IsolaDevices
import Testing

@Suite struct VirtioConsoleTests {
    @Test func transmitAndReceive() throws {
        let sink = Collector()
        let (d, device) = try VirtioTestDriver.console(output: sink)
        // Queue 0 is receiveq: the driver posts a writable buffer; input fills it.
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 2)
        d.post(head: 0)
        #expect(d.usedIndex == 0)  // nothing typed yet
        device.receive(Array("hi".utf8))
        #expect(d.usedIndex == 1)
        #expect(d.usedEntry(0) == (0, 2))
        #expect(d.ram.read(at: 0x8000_4000, length: 2) == Array("hi".utf8))
        // Queue 1 is transmitq: set it up and send bytes to the sink.
        d.store(0x030, 1)
        d.store(0x038, 8)
        d.store(0x080, 0x8000_8000 & 0xFFFF_FFFF); d.store(0x084, 0)
        d.store(0x090, 0x8000_9000 & 0xFFFF_FFFF); d.store(0x094, 0)
        d.store(0x0A0, 0x8000_A000 & 0xFFFF_FFFF); d.store(0x0A4, 0)
        d.store(0x044, 1)
        try d.ram.write(Array("out".utf8), at: 0x8000_C000)
        d.descriptor(0, address: 0x8000_C000, length: 3, table: 0x8000_8000)
        d.ram.hostPointer(0x8000_9000 + 4).storeBytes(of: UInt16(0), as: UInt16.self)
        d.ram.hostPointer(0x8000_9000 + 2).storeBytes(of: UInt16(1), as: UInt16.self)
        d.store(0x050, 1)
        #expect(sink.bytes == Array("out".utf8))
    }

    /// A zero-length writable buffer ahead of a real one must not crash the monitor.
    @Test func zeroLengthBuffersAreSkipped() throws {
        let (d, device) = try VirtioTestDriver.console(output: Collector())
        d.descriptor(0, address: 0x8000_4000, length: 0, flags: 2 | 1, next: 1)
        d.descriptor(1, address: 0x8000_5000, length: 8, flags: 2)
        d.post(head: 0)
        device.receive(Array("ok".utf8))
        #expect(d.usedEntry(0) == (0, 2))
        #expect(d.ram.read(at: 0x8000_5000, length: 2) == Array("ok".utf8))
    }
}
