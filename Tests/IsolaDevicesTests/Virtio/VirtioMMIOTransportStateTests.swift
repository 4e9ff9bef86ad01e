import IsolaCore
import IsolaDevices
import Testing

/// The transport's saved state: queues and registers round-trip into a fresh
/// device, quiescing holds work off without losing it, and a restored queue with a
/// request the device had not yet taken is served once the queues are re-examined.
@Suite struct VirtioMMIOTransportStateTests {
    @Test func aQuiescedDeviceLeavesItsQueuesAloneUntilReexamined() throws {
        let (d, device) = try VirtioTestDriver.console(output: Collector())
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 2)
        d.post(head: 0)
        d.transport.quiesce()
        device.receive(Array("held".utf8))
        #expect(d.usedIndex == 0, "a quiesced device wrote guest memory")
        d.transport.reexamineQueues()
        #expect(d.usedIndex == 1)
        #expect(d.ram.read(at: 0x8000_4000, length: 4) == Array("held".utf8))
    }

    @Test func stateRoundTripsAndAPendingRequestIsServedAfterRestore() throws {
        let (d, device) = try VirtioTestDriver.console(output: Collector())
        // One buffer used, then typed input waiting with no buffer posted.
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 2)
        d.post(head: 0)
        device.receive(Array("ab".utf8))
        device.receive(Array("cd".utf8))
        d.transport.quiesce()
        var out = SnapshotWriter()
        d.transport.saveState(into: &out)

        // A second machine: the same RAM contents, state restored, then the guest posts a buffer.
        let (e, restored) = try VirtioTestDriver.console(output: Collector())
        e.store(0x070, 0)  // reset: the restore must bring every register back, not the set-up
        try e.ram.write(d.ram.read(at: VirtioTestDriver.ramBase, length: 0x10000) ?? [], at: VirtioTestDriver.ramBase)
        var input = SnapshotReader(out.bytes, what: "transport")
        try e.transport.restoreState(from: &input)
        try input.finish()
        #expect(e.transport.status == d.transport.status)
        #expect(e.transport.driverFeatures == d.transport.driverFeatures)
        #expect(e.transport.queues[0].usedIndex == 1 && e.transport.queues[0].lastAvailable == 1)
        e.availableIndex = 1
        e.descriptor(1, address: 0x8000_5000, length: 16, flags: 2)
        e.post(head: 1)
        #expect(e.usedIndex == 2)
        _ = restored
        #expect(e.ram.read(at: 0x8000_5000, length: 2) == Array("cd".utf8), "input typed before the snapshot was lost")
    }

    /// A buffer the driver made available (and notified) while the device was
    /// quiesced is in the snapshot but was never taken: after the restore the driver
    /// will not notify again, so only re-examining the queues serves it.
    @Test func aRequestNotifiedWhileQuiescedIsServedByReexamining() throws {
        let (d, device) = try VirtioTestDriver.console(output: Collector())
        device.receive(Array("xy".utf8))
        d.transport.quiesce()
        d.descriptor(0, address: 0x8000_4000, length: 16, flags: 2)
        d.post(head: 0)
        #expect(d.usedIndex == 0)
        var out = SnapshotWriter()
        d.transport.saveState(into: &out)

        let (e, _) = try VirtioTestDriver.console(output: Collector())
        try e.ram.write(d.ram.read(at: VirtioTestDriver.ramBase, length: 0x10000) ?? [], at: VirtioTestDriver.ramBase)
        var input = SnapshotReader(out.bytes, what: "transport")
        try e.transport.restoreState(from: &input)
        #expect(e.usedIndex == 0, "nothing notified the restored device yet")
        e.transport.reexamineQueues()
        #expect(e.usedIndex == 1)
        #expect(e.ram.read(at: 0x8000_4000, length: 2) == Array("xy".utf8))
    }

    @Test func stateForAnotherDeviceOrLayoutIsRefusedAndChangesNothing() throws {
        let (d, _) = try VirtioTestDriver.console(output: Collector())
        var out = SnapshotWriter()
        d.transport.saveState(into: &out)
        let entropy = try VirtioTestDriver { VirtioEntropy(ram: $0) }
        let before = entropy.transport.status
        var input = SnapshotReader(out.bytes, what: "transport")
        #expect(throws: SnapshotError.self) { try entropy.transport.restoreState(from: &input) }
        #expect(entropy.transport.status == before)
        // Every truncation is refused.
        for length in 0..<out.bytes.count {
            let (e, _) = try VirtioTestDriver.console(output: Collector())
            var cut = SnapshotReader(Array(out.bytes.prefix(length)), what: "transport")
            #expect(throws: SnapshotError.self) { try e.transport.restoreState(from: &cut) }
        }
    }
}
