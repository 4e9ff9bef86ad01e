import IsolaCore
import IsolaDevices
import Testing

/// The split ring's notification rules, driven from both ends by hand.
@Suite struct VirtqueueTests {
    let ram: GuestRAM
    let queue: Virtqueue
    let available: UInt64 = 0x8000_1000
    var availableIndex: UInt16 = 0

    init() throws {
        ram = try GuestRAM(basePhysicalAddress: 0x8000_0000, size: 1 << 20)
        queue = Virtqueue(ram: ram, maximumSize: 8)
        queue.descriptorTable = 0x8000_0000
        queue.availableRing = available
        queue.usedRing = 0x8000_2000
        queue.eventIndex = true
        queue.ready = true
        for i in 0..<8 {
            // Descriptor i: 16 device-readable bytes at 0x80010000 + 16i.
            let p = ram.hostPointer(queue.descriptorTable + UInt64(i) * 16)
            p.storeBytes(of: 0x8001_0000 + UInt64(i) * 16, as: UInt64.self)
            p.storeBytes(of: UInt32(16), toByteOffset: 8, as: UInt32.self)
            p.storeBytes(of: UInt16(0), toByteOffset: 12, as: UInt16.self)
        }
    }

    /// The driver makes descriptor `head` available, without notifying.
    mutating func makeAvailable(_ head: UInt16) {
        ram.hostPointer(available + 4 + UInt64(availableIndex % 8) * 2).storeBytes(of: head, as: UInt16.self)
        availableIndex &+= 1
        ram.hostPointer(available + 2).storeBytes(of: availableIndex, as: UInt16.self)
    }

    var availableEvent: UInt16 { ram.hostPointer(queue.usedRing + 4 + 8 * 8).load(as: UInt16.self) }

    /// The driver adds a buffer after the device found the ring empty but before it
    /// published avail_event: the driver sees the old avail_event and does not notify,
    /// so the device must see the buffer itself. Before the fix the device stopped
    /// there and the guest's request waited forever (a Debian boot hung in jbd2).
    @Test mutating func aBufferAddedWhileTheDevicePublishesIsNotLeftBehind() throws {
        makeAvailable(0)
        #expect(try queue.nextChain()?.head == 0)
        #expect(try queue.nextChain() == nil)
        makeAvailable(1)  // the race: too late for nextChain, too early for the new avail_event
        #expect(try queue.publishAvailableEvent(), "the device must go on: the driver will not notify")
        #expect(availableEvent == 1)
        #expect(try queue.nextChain()?.head == 1)
        #expect(try !queue.publishAvailableEvent())
        #expect(availableEvent == 2)
    }

    /// used_event decides the interrupt: the driver asks for one when the used index
    /// passes the value it wrote (virtio 1.2, 2.7.10).
    @Test mutating func usedEventSuppressesAndRequestsInterrupts() throws {
        let usedEvent = available + 4 + 8 * 2
        ram.hostPointer(usedEvent).storeBytes(of: UInt16(1), as: UInt16.self)
        makeAvailable(0)
        makeAvailable(1)
        let first = try #require(try queue.nextChain())
        #expect(try !queue.complete(first, written: 0), "used index 1 has not passed used_event 1")
        let second = try #require(try queue.nextChain())
        #expect(try queue.complete(second, written: 0), "used index 2 passes used_event 1")
    }
}
