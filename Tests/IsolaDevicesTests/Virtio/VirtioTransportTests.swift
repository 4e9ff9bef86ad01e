import IsolaCore
import IsolaDevices
import Testing

@Suite struct VirtioTransportTests {
    @Test func identifiesItself() throws {
        let d = try VirtioTestDriver { VirtioEntropy(ram: $0) }
        #expect(d.load(0x000) == 0x7472_6976)
        #expect(d.load(0x004) == 2)
        #expect(d.load(0x008) == 4)
        d.store(0x014, 1)
        #expect(d.load(0x010) & 1 == 1)  // VERSION_1 offered
    }

    @Test func unofferedFeatureIsRefused() throws {
        let d = try VirtioTestDriver(device: { VirtioEntropy(ram: $0) }, features: (1 << 32) | (1 << 5))
        #expect(d.load(0x070) & 8 == 0)  // FEATURES_OK did not stick
    }

    @Test func entropyFillsWritableBuffers() throws {
        let d = try VirtioTestDriver { VirtioEntropy(ram: $0) }
        d.descriptor(0, address: 0x8000_4000, length: 64, flags: 2)
        d.post(head: 0)
        #expect(d.usedIndex == 1)
        #expect(d.usedEntry(0) == (0, 64))
        #expect(d.ram.read(at: 0x8000_4000, length: 64)?.contains { $0 != 0 } == true)
        #expect(d.line.level)
        d.store(0x064, 1)  // InterruptACK
        #expect(!d.line.level)
    }

    @Test func indirectDescriptors() throws {
        let d = try VirtioTestDriver(device: { VirtioEntropy(ram: $0) }, features: (1 << 32) | (1 << 28))
        let table: UInt64 = 0x8000_3000
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 2 | 1, next: 1, table: table)
        d.descriptor(1, address: 0x8000_5000, length: 16, flags: 2, table: table)
        d.descriptor(0, address: table, length: 32, flags: 4)
        d.post(head: 0)
        #expect(d.usedEntry(0) == (0, 32))
        #expect(!d.needsReset)
    }

    /// Each hostile ring puts the device in NEEDS_RESET, with the reason, and nothing outside RAM is touched.
    @Test(arguments: HostileRing.allCases)
    func hostileRing(_ ring: HostileRing) throws {
        let d = try VirtioTestDriver { VirtioEntropy(ram: $0) }
        ring.build(d)
        #expect(d.needsReset, "\(ring)")
        #expect(d.usedIndex == 0)
        #expect(d.transport.lastError != nil)
        #expect(d.load(0x060) & 2 != 0)  // configuration-change interrupt tells the driver
        // Until reset, notifications are ignored; a reset clears the state.
        d.store(0x070, 0)
        #expect(!d.needsReset && d.load(0x070) == 0 && d.load(0x044) == 0)
    }

    @Test func queueSelectOutOfRangeIsHarmless() throws {
        let d = try VirtioTestDriver { VirtioEntropy(ram: $0) }
        d.store(0x030, 7)
        d.store(0x080, 0x1234)
        d.store(0x044, 1)
        #expect(d.load(0x034) == 0)
        d.store(0x050, 7)  // notify a queue that does not exist
        #expect(!d.needsReset)
    }

    enum HostileRing: CaseIterable {
        case bufferOutsideRAM, bufferWrapsAround, loop, headOutOfRange, nextOutOfRange, indexJump
        case readableAfterWritable, nestedIndirect, indirectBadLength, ringOutsideRAM


        func build(_ d: VirtioTestDriver) {
            switch self {
            case .bufferOutsideRAM:
                d.descriptor(0, address: 0x1000, length: 64, flags: 2)
                d.post(head: 0)
            case .bufferWrapsAround:
                d.descriptor(0, address: UInt64.max - 8, length: 64, flags: 2)
                d.post(head: 0)
            case .loop:
                d.descriptor(0, address: 0x8000_4000, length: 8, flags: 2 | 1, next: 1)
                d.descriptor(1, address: 0x8000_4000, length: 8, flags: 2 | 1, next: 0)
                d.post(head: 0)
            case .headOutOfRange:
                d.post(head: 200)
            case .nextOutOfRange:
                d.descriptor(0, address: 0x8000_4000, length: 8, flags: 2 | 1, next: 99)
                d.post(head: 0)
            case .indexJump:
                d.ram.hostPointer(d.available + 2).storeBytes(of: UInt16(500), as: UInt16.self)
                d.store(0x050, 0)
            case .readableAfterWritable:
                d.descriptor(0, address: 0x8000_4000, length: 8, flags: 2 | 1, next: 1)
                d.descriptor(1, address: 0x8000_5000, length: 8, flags: 0)
                d.post(head: 0)
            case .nestedIndirect:
                d.descriptor(0, address: 0x8000_3000, length: 16, flags: 4, table: 0x8000_3000)
                d.descriptor(0, address: 0x8000_3000, length: 16, flags: 4)
                d.post(head: 0)
            case .indirectBadLength:
                d.descriptor(0, address: 0x8000_3000, length: 17, flags: 4)
                d.post(head: 0)
            case .ringOutsideRAM:
                d.store(0x070, 0)  // reset, then set up the used ring outside RAM
                d.store(0x070, 1 | 2); d.store(0x024, 1); d.store(0x020, 1); d.store(0x070, 1 | 2 | 8)
                d.store(0x030, 0); d.store(0x038, 8)
                d.store(0x080, d.descriptors & 0xFFFF_FFFF); d.store(0x084, d.descriptors >> 32)
                d.store(0x090, d.available & 0xFFFF_FFFF); d.store(0x094, d.available >> 32)
                d.store(0x0A0, 0x10); d.store(0x0A4, 0)
                d.store(0x044, 1); d.store(0x070, 1 | 2 | 8 | 4)
                d.descriptor(0, address: 0x8000_4000, length: 8, flags: 2)
                d.post(head: 0)
            }
        }
    }
}
