import IsolaCore
import IsolaHost

/// virtio-blk (virtio 1.2, 5.2) over a disk image file: read, write, flush
/// (`fsync`, so what a guest flushed survives a host crash), get-id; read-only disks.
public final class VirtioBlock: VirtioDevice {
    public let deviceID: UInt32 = 2
    public let queueSizes: [UInt16] = [256]
    public static let sectorSize: UInt64 = 512

    static let featureSizeMax: UInt64 = 1 << 1
    static let featureSegmentMax: UInt64 = 1 << 2
    static let featureReadOnly: UInt64 = 1 << 5
    static let featureBlockSize: UInt64 = 1 << 6
    static let featureFlush: UInt64 = 1 << 9

    static let typeIn: UInt32 = 0, typeOut: UInt32 = 1, typeFlush: UInt32 = 4, typeGetID: UInt32 = 8
    static let statusOK: UInt8 = 0, statusIOError: UInt8 = 1, statusUnsupported: UInt8 = 2

    private let disk: HostBlockFile
    private let ram: GuestRAM
    /// The serial the guest reads with GET_ID (at most 20 bytes).
    public let serial: String
    public var capacitySectors: UInt64 { disk.byteCount / VirtioBlock.sectorSize }

    public init(disk: HostBlockFile, ram: GuestRAM, serial: String) {
        self.disk = disk
        self.ram = ram
        self.serial = String(serial.prefix(20))
    }

    public var deviceFeatures: UInt64 {
        VirtioBlock.featureFlush | VirtioBlock.featureBlockSize | VirtioBlock.featureSegmentMax
            | (disk.readOnly ? VirtioBlock.featureReadOnly : 0)
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        // capacity (u64) at 0, size_max (u32) 8, seg_max (u32) 12, blk_size (u32) 20.
        var config = [UInt8](repeating: 0, count: 24)
        withUnsafeBytes(of: capacitySectors.littleEndian) { config.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: UInt32(126).littleEndian) { config.replaceSubrange(12..<16, with: $0) }
        withUnsafeBytes(of: UInt32(VirtioBlock.sectorSize).littleEndian) { config.replaceSubrange(20..<24, with: $0) }
        guard offset >= 0, offset + size <= config.count else { return 0 }
        return config[offset..<offset + size].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}
    public func reset() {}

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        while let chain = try virtqueue.nextChain() {
            let written = handle(chain)
            interrupt = try virtqueue.complete(chain, written: written) || interrupt
        }
        try virtqueue.publishAvailableEvent()
        if interrupt { transport.signalUsedBuffers() }
    }

    /// Executes one request; returns the bytes written to the guest (data plus the status byte).
    private func handle(_ chain: DescriptorChain) -> UInt32 {
        // Layout: a 16-byte readable header, data buffers, and a final 1-byte writable status.
        guard let statusBuffer = chain.writable.last, statusBuffer.length >= 1,
              let header = chain.buffers.first, !header.writable, header.length >= 16 else {
            return 0  // no room for a status: nothing the driver can be told
        }
        let statusAddress = statusBuffer.address + UInt64(statusBuffer.length) - 1
        func finish(_ status: UInt8, written: UInt32 = 0) -> UInt32 {
            ram.hostPointer(statusAddress).storeBytes(of: status, as: UInt8.self)
            return written + 1
        }
        let h = ram.hostPointer(header.address)
        let type = h.loadUnaligned(as: UInt32.self)
        let sector = h.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        // Data buffers: everything between the header and the status byte.
        var data = Array(chain.buffers.dropFirst())
        if let last = data.last, last.length > 1 {
            data[data.count - 1] = VirtqueueBuffer(address: last.address, length: last.length - 1, writable: last.writable)
        } else {
            data.removeLast()
        }
        let total = data.reduce(UInt64(0)) { $0 + UInt64($1.length) }
        switch type {
        case VirtioBlock.typeIn, VirtioBlock.typeOut:
            let isRead = type == VirtioBlock.typeIn
            guard data.allSatisfy({ $0.writable == isRead }) else { return finish(VirtioBlock.statusIOError) }
            if !isRead && disk.readOnly { return finish(VirtioBlock.statusIOError) }
            let (start, overflow) = sector.multipliedReportingOverflow(by: VirtioBlock.sectorSize)
            guard !overflow, start <= disk.byteCount, total <= disk.byteCount - start else {
                return finish(VirtioBlock.statusIOError)
            }
            var offset = start
            for b in data {
                // SAFETY: buffers were checked against guest RAM by the virtqueue.
                let ok = isRead ? disk.read(into: ram.hostPointer(b.address), count: Int(b.length), at: offset)
                    : disk.write(from: ram.hostPointer(b.address), count: Int(b.length), at: offset)
                guard ok else { return finish(VirtioBlock.statusIOError) }
                offset += UInt64(b.length)
            }
            return finish(VirtioBlock.statusOK, written: isRead ? UInt32(total) : 0)
        case VirtioBlock.typeFlush:
            return finish(disk.synchronize() ? VirtioBlock.statusOK : VirtioBlock.statusIOError)
        case VirtioBlock.typeGetID:
            var id = Array(serial.utf8)
            id += [UInt8](repeating: 0, count: max(0, 20 - id.count))
            var written: UInt32 = 0
            for b in data where b.writable && written < 20 {
                let n = min(Int(b.length), 20 - Int(written))
                id[Int(written)..<Int(written) + n].withUnsafeBytes { ram.hostPointer(b.address).copyMemory(from: $0.baseAddress!, byteCount: n) }
                written += UInt32(n)
            }
            return finish(VirtioBlock.statusOK, written: written)
        default:
            return finish(VirtioBlock.statusUnsupported)
        }
    }
}
