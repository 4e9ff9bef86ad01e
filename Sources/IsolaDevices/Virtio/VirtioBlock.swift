import IsolaCore
import IsolaHost

/// virtio-blk (virtio 1.2, 5.2) over a disk image (raw or qcow2): read, write, flush
/// (`fsync`, so what a guest flushed survives a host crash), get-id, discard and
/// write-zeroes (space given back to the host); read-only disks.
public final class VirtioBlock: VirtioDevice {
    public let deviceID: UInt32 = 2
    public let queueSizes: [UInt16] = [256]
    public static let sectorSize: UInt64 = 512

    static let featureSizeMax: UInt64 = 1 << 1
    static let featureSegmentMax: UInt64 = 1 << 2
    static let featureReadOnly: UInt64 = 1 << 5
    static let featureBlockSize: UInt64 = 1 << 6
    static let featureFlush: UInt64 = 1 << 9
    static let featureDiscard: UInt64 = 1 << 13
    static let featureWriteZeroes: UInt64 = 1 << 14
    /// Limits advertised for discard and write-zeroes requests.
    static let maxDiscardSectors: UInt32 = 1 << 22, maxDiscardSegments: UInt32 = 64

    static let typeIn: UInt32 = 0, typeOut: UInt32 = 1, typeFlush: UInt32 = 4, typeGetID: UInt32 = 8
    static let typeDiscard: UInt32 = 11, typeWriteZeroes: UInt32 = 13
    /// Sees every request before it runs (the machine sets it).
    public var interposer: Interposer?
    static let statusOK: UInt8 = 0, statusIOError: UInt8 = 1, statusUnsupported: UInt8 = 2

    private var disk: DiskImage
    private let ram: GuestRAM
    /// The serial the guest reads with GET_ID (at most 20 bytes).
    public let serial: String
    public var capacitySectors: UInt64 { disk.byteCount / VirtioBlock.sectorSize }

    public init(disk: DiskImage, ram: GuestRAM, serial: String) {
        self.disk = disk
        self.ram = ram
        self.serial = String(serial.prefix(20))
    }

    /// Switches the device to another image of the same size: a snapshot freezes the
    /// image it was writing and goes on with an overlay on it. Only while the
    /// transport is quiesced (no request in flight) and the harts are paused.
    public func replaceDisk(_ image: DiskImage) {
        precondition(image.byteCount == disk.byteCount && image.readOnly == disk.readOnly, "a replacement disk must look the same to the guest")
        disk = image
    }

    /// The image the device reads and writes.
    public var image: DiskImage { disk }

    public var deviceFeatures: UInt64 {
        VirtioBlock.featureFlush | VirtioBlock.featureBlockSize | VirtioBlock.featureSegmentMax
            | (disk.readOnly ? VirtioBlock.featureReadOnly : VirtioBlock.featureDiscard | VirtioBlock.featureWriteZeroes)
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        // virtio 1.2, 5.2.4: capacity (u64) at 0, seg_max 12, blk_size 20, max_discard_sectors 36,
        // max_discard_seg 40, discard_sector_alignment 44, max_write_zeroes_sectors 48, max_write_zeroes_seg 52.
        var config = [UInt8](repeating: 0, count: 60)
        // SAFETY: the closures copy the value's own bytes into `config` (bounds-checked replaceSubrange).
        func put(_ v: UInt32, at o: Int) { withUnsafeBytes(of: v.littleEndian) { config.replaceSubrange(o..<o + 4, with: $0) } }
        withUnsafeBytes(of: capacitySectors.littleEndian) { config.replaceSubrange(0..<8, with: $0) }
        put(254, at: 12)
        put(UInt32(VirtioBlock.sectorSize), at: 20)
        put(VirtioBlock.maxDiscardSectors, at: 36)
        put(VirtioBlock.maxDiscardSegments, at: 40)
        put(1, at: 44)
        put(VirtioBlock.maxDiscardSectors, at: 48)
        put(VirtioBlock.maxDiscardSegments, at: 52)
        return configurationValue(config, offset: offset, size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}
    public func reset() {}

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        repeat {
            while let chain = try virtqueue.nextChain() {
                let written = handle(chain)
                interrupt = try virtqueue.complete(chain, written: written) || interrupt
            }
        } while try virtqueue.publishAvailableEvent()
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
            // SAFETY: the virtqueue checked the status buffer against RAM, and it has at least 1 byte: its last is in RAM.
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
        if let interposer {
            let detail = switch type {
            case VirtioBlock.typeIn: "read"
            case VirtioBlock.typeOut: "write"
            case VirtioBlock.typeFlush: "flush"
            case VirtioBlock.typeDiscard, VirtioBlock.typeWriteZeroes: "discard"
            default: "other"
            }
            let bytes = type == VirtioBlock.typeIn || type == VirtioBlock.typeOut ? total : 0
            let event = InterpositionEvent(.disk, detail, address: sector &* VirtioBlock.sectorSize, bytes: bytes)
            guard interposer.check(event) == .allow else { return finish(VirtioBlock.statusIOError) }
        }
        switch type {
        case VirtioBlock.typeIn, VirtioBlock.typeOut:
            let isRead = type == VirtioBlock.typeIn
            guard data.allSatisfy({ $0.writable == isRead }) else { return finish(VirtioBlock.statusIOError) }
            if !isRead && disk.readOnly { return finish(VirtioBlock.statusIOError) }
            let (start, overflow) = sector.multipliedReportingOverflow(by: VirtioBlock.sectorSize)
            guard !overflow, start <= disk.byteCount, total <= disk.byteCount - start else {
                return finish(VirtioBlock.statusIOError)
            }
            // One vectored transfer per request; buffers adjacent in guest RAM become one segment.
            var segments: [IOSegment] = []
            segments.reserveCapacity(data.count)
            var previousEnd: UInt64 = 0
            for b in data {
                // SAFETY: buffers were checked against guest RAM by the virtqueue.
                if !segments.isEmpty && b.address == previousEnd {
                    segments[segments.count - 1].count += Int(b.length)
                } else {
                    segments.append(IOSegment(base: ram.hostPointer(b.address), count: Int(b.length)))
                }
                previousEnd = b.address + UInt64(b.length)
            }
            guard isRead ? disk.read(into: segments, at: start) : disk.write(from: segments, at: start) else {
                return finish(VirtioBlock.statusIOError)
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
                guard n > 0 else { continue }
                // SAFETY: n <= 20 - written keeps the slice in `id`, and n <= b.length keeps the copy in a
                // buffer the virtqueue checked against RAM.
                id[Int(written)..<Int(written) + n].withUnsafeBytes { bytes in
                    if let source = bytes.baseAddress { ram.hostPointer(b.address).copyMemory(from: source, byteCount: n) }
                }
                written += UInt32(n)
            }
            return finish(VirtioBlock.statusOK, written: written)
        case VirtioBlock.typeDiscard, VirtioBlock.typeWriteZeroes:
            guard !disk.readOnly else { return finish(VirtioBlock.statusIOError) }
            // Segments of 16 bytes: sector (u64), number of sectors (u32), flags (u32).
            var segments: [UInt8] = []
            for b in data where !b.writable {
                segments += UnsafeRawBufferPointer(start: ram.hostPointer(b.address), count: Int(b.length))
            }
            guard segments.count % 16 == 0, segments.count / 16 <= Int(VirtioBlock.maxDiscardSegments) else {
                return finish(VirtioBlock.statusIOError)
            }
            for i in stride(from: 0, to: segments.count, by: 16) {
                let first = segments[i..<i + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let count = segments[i + 8..<i + 12].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let (start, overflow) = first.multipliedReportingOverflow(by: VirtioBlock.sectorSize)
                let length = count * VirtioBlock.sectorSize
                guard !overflow, count <= UInt64(VirtioBlock.maxDiscardSectors), start <= disk.byteCount,
                      length <= disk.byteCount - start, disk.discard(offset: start, length: length) else {
                    return finish(VirtioBlock.statusIOError)
                }
            }
            return finish(VirtioBlock.statusOK)
        default:
            return finish(VirtioBlock.statusUnsupported)
        }
    }
}

/// No requests are in flight when a snapshot is taken; what the device keeps is the
/// disk, which the snapshot layers separately. The capacity is saved to refuse a
/// restore onto a disk of another size, which the guest's driver would not expect.
extension VirtioBlock: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) {
        out.write(UInt32(1))
        out.write(capacitySectors)
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-blk")
        let saved = try input.read(UInt64.self)
        guard saved == capacitySectors else {
            throw .invalid(what: input.what, reason: "\(serial) had \(saved) sectors when saved; its disk now has \(capacitySectors)")
        }
    }
}
