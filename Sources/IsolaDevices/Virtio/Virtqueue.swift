import Atomics
import IsolaCore

/// A split virtqueue (virtio 1.2, 2.7): the descriptor table, the driver's
/// available ring and the device's used ring, all in guest memory.
///
/// Every address and length the driver supplies is checked against guest RAM
/// before it is touched; a malformed queue throws `VirtqueueError` and never
/// reads or writes outside guest RAM.
public final class Virtqueue {
    static let descriptorFlagNext: UInt16 = 1
    static let descriptorFlagWrite: UInt16 = 2
    static let descriptorFlagIndirect: UInt16 = 4
    static let usedFlagNoNotify: UInt16 = 1
    static let availableFlagNoInterrupt: UInt16 = 1

    public let maximumSize: UInt16
    public var size: UInt16
    public var ready = false
    public var descriptorTable: UInt64 = 0
    public var availableRing: UInt64 = 0
    public var usedRing: UInt64 = 0
    /// The next available-ring entry the device will take.
    public internal(set) var lastAvailable: UInt16 = 0
    /// The used index the device has published.
    public internal(set) var usedIndex: UInt16 = 0
    /// VIRTIO_F_EVENT_IDX negotiated: use used_event/avail_event instead of the flags.
    public var eventIndex = false

    private let ram: GuestRAM

    public init(ram: GuestRAM, maximumSize: UInt16) {
        self.ram = ram
        self.maximumSize = maximumSize
        self.size = maximumSize
    }

    /// Back to the state after a device reset.
    public func reset() {
        ready = false
        size = maximumSize
        descriptorTable = 0
        availableRing = 0
        usedRing = 0
        lastAvailable = 0
        usedIndex = 0
        eventIndex = false
    }

    // MARK: Guest memory, checked

    private func load16(_ address: UInt64, _ what: String) throws(VirtqueueError) -> UInt16 {
        guard ram.contains(address, length: 2) else { throw .ringOutsideRAM(what: what, address: address) }
        return ram.hostPointer(address).loadUnaligned(as: UInt16.self)
    }

    private func store16(_ address: UInt64, _ value: UInt16, _ what: String) throws(VirtqueueError) {
        guard ram.contains(address, length: 2) else { throw .ringOutsideRAM(what: what, address: address) }
        // SAFETY: the guard checked both bytes against RAM; storeBytes needs no alignment.
        ram.hostPointer(address).storeBytes(of: value, as: UInt16.self)
    }

    private struct Descriptor {
        let address: UInt64
        let length: UInt32
        let flags: UInt16
        let next: UInt16
    }

    private func descriptor(table: UInt64, index: UInt16) throws(VirtqueueError) -> Descriptor {
        let at = table &+ UInt64(index) * 16
        guard ram.contains(at, length: 16) else { throw .ringOutsideRAM(what: "descriptor \(index)", address: at) }
        let p = ram.hostPointer(at)
        return Descriptor(address: p.loadUnaligned(as: UInt64.self), length: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                          flags: p.loadUnaligned(fromByteOffset: 12, as: UInt16.self),
                          next: p.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
    }

    // MARK: Driver to device

    /// The next chain the driver made available, or nil when there is none.
    public func nextChain() throws(VirtqueueError) -> DescriptorChain? {
        let available = try load16(availableRing + 2, "available ring")
        let outstanding = available &- lastAvailable
        if outstanding == 0 { return nil }
        guard outstanding <= size else {
            throw .availableIndexJump(previous: lastAvailable, now: available, size: size)
        }
        let slot = availableRing + 4 + UInt64(lastAvailable % size) * 2
        let head = try load16(slot, "available ring entry")
        guard head < size else { throw .headOutOfRange(index: head, size: size) }
        let chain = try walk(head: head)
        lastAvailable &+= 1
        return chain
    }

    /// Follows a chain from `head`, expanding an indirect table, checking every buffer.
    private func walk(head: UInt16) throws(VirtqueueError) -> DescriptorChain {
        var buffers: [VirtqueueBuffer] = []
        var table = descriptorTable
        var tableSize = size
        var index = head
        var visited = 0
        var inIndirect = false
        var sawWritable = false
        while true {
            visited += 1
            // A chain can never be longer than its table; anything longer loops.
            guard visited <= Int(tableSize) + (inIndirect ? Int(size) : 0) else { throw .chainTooLong(limit: Int(tableSize)) }
            let d = try descriptor(table: table, index: index)
            if d.flags & Virtqueue.descriptorFlagIndirect != 0 {
                guard !inIndirect else { throw .nestedIndirect(index: index) }
                guard d.length > 0, d.length % 16 == 0, d.length / 16 <= 0xFFFF,
                      ram.contains(d.address, length: UInt64(d.length)) else {
                    throw .badIndirectTable(index: index, length: d.length)
                }
                table = d.address
                tableSize = UInt16(d.length / 16)
                index = 0
                inIndirect = true
                visited = 0
                continue
            }
            guard ram.contains(d.address, length: UInt64(d.length)) else {
                throw .descriptorOutsideRAM(index: index, address: d.address, length: d.length)
            }
            let writable = d.flags & Virtqueue.descriptorFlagWrite != 0
            if writable { sawWritable = true } else if sawWritable { throw .readableAfterWritable(index: index) }
            buffers.append(VirtqueueBuffer(address: d.address, length: d.length, writable: writable))
            guard d.flags & Virtqueue.descriptorFlagNext != 0 else { break }
            guard d.next < tableSize else { throw .nextOutOfRange(index: index, next: d.next) }
            index = d.next
        }
        return DescriptorChain(head: head, buffers: buffers)
    }

    // MARK: Device to driver

    /// Returns a chain to the driver with `length` bytes written; true when the driver wants an interrupt.
    @discardableResult
    public func complete(_ chain: DescriptorChain, written length: UInt32) throws(VirtqueueError) -> Bool {
        let entry = usedRing + 4 + UInt64(usedIndex % size) * 8
        guard ram.contains(entry, length: 8) else { throw .ringOutsideRAM(what: "used ring entry", address: entry) }
        // SAFETY: the guard checked the used ring entry's 8 bytes against RAM.
        ram.hostPointer(entry).storeBytes(of: UInt32(chain.head), as: UInt32.self)
        ram.hostPointer(entry + 4).storeBytes(of: length, as: UInt32.self)
        let old = usedIndex
        usedIndex &+= 1
        try store16(usedRing + 2, usedIndex, "used ring")
        // The used index must be visible before used_event is read: the driver writes
        // used_event, fences, then reads the used index; without this fence both sides
        // could miss the other's store and the interrupt the driver waits for is lost.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return try driverWantsInterrupt(oldUsed: old)
    }

    /// The interrupt-suppression rule: the flag, or with EVENT_IDX the driver's used_event (2.7.7.2).
    private func driverWantsInterrupt(oldUsed: UInt16) throws(VirtqueueError) -> Bool {
        if eventIndex {
            let usedEvent = try load16(availableRing + 4 + UInt64(size) * 2, "used_event")
            return (usedIndex &- usedEvent &- 1) < (usedIndex &- oldUsed)
        }
        return try load16(availableRing, "available flags") & Virtqueue.availableFlagNoInterrupt == 0
    }

    /// With EVENT_IDX, tells the driver to notify when it makes the next buffer
    /// available; then answers whether buffers arrived that the device has not taken.
    /// A device that stops taking buffers must go on when this is true: the driver
    /// may have added them while avail_event still held its old value, and then it
    /// does not notify (the suppression race of virtio 1.2, 2.7.10), so a device that
    /// stopped there would wait for a notification that never comes. The fence orders
    /// the avail_event store before the index load, as the driver's own barrier orders
    /// its index store before its avail_event load.
    public func publishAvailableEvent() throws(VirtqueueError) -> Bool {
        if eventIndex {
            try store16(usedRing + 4 + UInt64(size) * 8, lastAvailable, "avail_event")
        }
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return try load16(availableRing + 2, "available ring") != lastAvailable
    }

    // MARK: Buffers

    /// Copies the device-readable bytes of a chain (at most `limit`).
    public func read(_ chain: DescriptorChain, limit: Int = .max) -> [UInt8] {
        var out: [UInt8] = []
        for b in chain.readable {
            let n = min(Int(b.length), limit - out.count)
            if n <= 0 { break }
            out += UnsafeRawBufferPointer(start: ram.hostPointer(b.address), count: n)
        }
        return out
    }

    /// Writes `bytes` into the chain's writable buffers in order; returns how many fit.
    @discardableResult
    public func write(_ bytes: [UInt8], to chain: DescriptorChain, skipping offset: Int = 0) -> Int {
        var remaining = bytes[...]
        var skip = offset
        for b in chain.writable where !remaining.isEmpty {
            var length = Int(b.length)
            var address = b.address
            if skip >= length { skip -= length; continue }
            address += UInt64(skip)
            length -= skip
            skip = 0
            let n = min(length, remaining.count)
            guard n > 0 else { continue }  // a zero-length buffer holds nothing (and has no base address)
            // SAFETY: skip < length and n <= length - skip keep the copy inside the buffer, which `walk`
            // checked against RAM; the prefix is n bytes.
            remaining.prefix(n).withUnsafeBytes { bytes in
                if let source = bytes.baseAddress { ram.hostPointer(address).copyMemory(from: source, byteCount: n) }
            }
            remaining = remaining.dropFirst(n)
        }
        return bytes.count - remaining.count
    }
}
