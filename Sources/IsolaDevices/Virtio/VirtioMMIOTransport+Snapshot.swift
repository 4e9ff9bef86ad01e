import IsolaCore

/// The transport's registers and every queue's addresses and indices. Saved while
/// quiesced, so no chain is between `nextChain` and `complete`: a request the guest
/// made available and the device had not yet taken is still in the available ring,
/// past `lastAvailable`, and is taken after the restore.
extension VirtioMMIOTransport: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) {
        lock.withLock {
            out.write(UInt32(1))
            out.write(device.deviceID)
            for value in [deviceFeaturesSelect, driverFeaturesSelect, queueSelect, status, interruptStatus, configGeneration] {
                out.write(value)
            }
            out.write(driverFeatures)
            out.write(UInt32(queues.count))
            for q in queues {
                out.write(q.size)
                out.write(q.ready)
                out.write(q.descriptorTable)
                out.write(q.availableRing)
                out.write(q.usedRing)
                out.write(q.lastAvailable)
                out.write(q.usedIndex)
                out.write(q.eventIndex)
            }
        }
        device.saveState(into: &out)
    }

    /// Refuses state for another device type or queue layout; nothing changes if refused.
    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-mmio")
        let deviceID = try input.read(UInt32.self)
        guard deviceID == device.deviceID else {
            throw .invalid(what: input.what, reason: "saved virtio device \(deviceID) where this machine has device \(device.deviceID)")
        }
        var registers: [UInt32] = []
        for _ in 0..<6 { registers.append(try input.read(UInt32.self)) }
        let features = try input.read(UInt64.self)
        let count = Int(try input.read(UInt32.self))
        guard count == queues.count else { throw .invalid(what: input.what, reason: "\(count) queues where the device has \(queues.count)") }
        typealias Saved = (size: UInt16, ready: Bool, table: UInt64, available: UInt64, used: UInt64, last: UInt16, usedIndex: UInt16, eventIndex: Bool)
        var saved: [Saved] = []
        for q in queues {
            let entry: Saved = (try input.read(), try input.readBool(), try input.read(), try input.read(), try input.read(),
                                try input.read(), try input.read(), try input.readBool())
            guard entry.size > 0, entry.size <= q.maximumSize, entry.size & (entry.size - 1) == 0 else {
                throw .invalid(what: input.what, reason: "queue size \(entry.size) (at most \(q.maximumSize), a power of two)")
            }
            saved.append(entry)
        }
        try device.restoreState(from: &input)
        lock.withLock {
            (deviceFeaturesSelect, driverFeaturesSelect, queueSelect, status, interruptStatus, configGeneration)
                = (registers[0], registers[1], registers[2], registers[3], registers[4], registers[5])
            driverFeatures = features
            for (q, entry) in zip(queues, saved) {
                q.size = entry.size
                q.ready = entry.ready
                q.descriptorTable = entry.table
                q.availableRing = entry.available
                q.usedRing = entry.used
                q.lastAvailable = entry.last
                q.usedIndex = entry.usedIndex
                q.eventIndex = entry.eventIndex
            }
            interrupt.setLevel(interruptStatus != 0)
        }
    }
}
