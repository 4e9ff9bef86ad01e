#if os(Linux)
import IsolaCore
import IsolaHost

/// virtio-fs (virtio 1.2, 5.11): a host directory the guest mounts by its tag
/// (`mount -t virtiofs TAG /mnt`). Each request is a FUSE message in one descriptor
/// chain (the request's header and arguments readable, room for the reply writable);
/// the `SharedDirectoryServer` answers it. Queue 0 is the high-priority queue (FORGET,
/// which takes no reply), queue 1 the one request queue.
public final class VirtioFS: VirtioDevice {
    public let deviceID: UInt32 = 26
    public let deviceFeatures: UInt64 = 0
    public let queueSizes: [UInt16] = [128, 256]
    public let server: SharedDirectoryServer
    private let ram: GuestRAM
    /// Sees every request before it runs (the machine sets it).
    public var interposer: Interposer?

    public init(server: SharedDirectoryServer, ram: GuestRAM) {
        self.server = server
        self.ram = ram
    }

    /// virtio 1.2, 5.11.4: `tag` (36 bytes, NUL-padded) and `num_request_queues` (u32).
    public func readConfig(offset: Int, size: Int) -> UInt64 {
        var config = Array(server.tag.utf8.prefix(36))
        config += [UInt8](repeating: 0, count: 36 - config.count)
        config += [1, 0, 0, 0]
        return configurationValue(config, offset: offset, size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}
    public func reset() {}

    public func process(queue: Int, virtqueue: Virtqueue, transport: VirtioMMIOTransport) throws(VirtqueueError) {
        var interrupt = false
        repeat {
            while let chain = try virtqueue.nextChain() {
                let written = handle(chain, virtqueue: virtqueue)
                interrupt = try virtqueue.complete(chain, written: written) || interrupt
            }
        } while try virtqueue.publishAvailableEvent()
        if interrupt { transport.signalUsedBuffers() }
    }

    /// The most request bytes copied out of the guest: the arguments of any request
    /// but WRITE (whose data the server reads in place) fit, a name and a link target included.
    static let requestLimit = FUSE.inHeaderSize + 64 + 2 * 4096

    /// Serves one request; returns the bytes written to the guest.
    private func handle(_ chain: DescriptorChain, virtqueue: Virtqueue) -> UInt32 {
        let head = virtqueue.read(chain, limit: FUSE.inHeaderSize)
        var reader = FUSEReader(head)
        guard let header = try? FUSEInHeader(&reader) else { return 0 }
        let isWrite = header.opcode == FUSEOpcode.write.rawValue
        let request = virtqueue.read(chain, limit: isWrite ? FUSE.inHeaderSize + 40 : VirtioFS.requestLimit)
        let readable = chain.readable, writable = chain.writable
        if let interposer, let opcode = FUSEOpcode(rawValue: header.opcode), opcode != .forget, opcode != .batchForget {
            var sizeField = FUSEReader(request, offset: FUSE.inHeaderSize + 16)
            let bytes = opcode == .read || opcode == .write ? UInt64((try? sizeField.u32()) ?? 0) : 0
            let event = InterpositionEvent(.share, "\(opcode)", address: header.nodeID, bytes: bytes)
            if interposer.check(event) != .allow {
                var w = FUSEWriter()
                w.u32(UInt32(FUSE.outHeaderSize)); w.u32(UInt32(bitPattern: -HostErrno.notPermitted.code)); w.u64(header.unique)
                return UInt32(virtqueue.write(w.bytes, to: chain))
            }
        }
        let writeData = isWrite ? segments(readable, skipping: request.count) : []
        let readInto = header.opcode == FUSEOpcode.read.rawValue ? segments(writable, skipping: FUSE.outHeaderSize) : []
        guard let (reply, dataBytes) = server.handle(request, writeData: writeData, readInto: readInto) else { return 0 }
        guard reply.count <= chain.writableLength else { return 0 }
        return UInt32(virtqueue.write(reply, to: chain) + dataBytes)
    }

    /// Host views of `buffers` from byte `offset` on.
    private func segments(_ buffers: [VirtqueueBuffer], skipping offset: Int) -> [IOSegment] {
        var skip = offset
        var out: [IOSegment] = []
        for b in buffers {
            if skip >= Int(b.length) { skip -= Int(b.length); continue }
            // SAFETY: the virtqueue checked the buffer against guest RAM, and skip < length keeps the start in it.
            out.append(IOSegment(base: ram.hostPointer(b.address + UInt64(skip)), count: Int(b.length) - skip))
            skip = 0
        }
        return out
    }
}

/// No request is in flight when a snapshot is taken; what the device keeps is the
/// server's nodes and open files, saved by their paths in the shared directory.
extension VirtioFS: SnapshotState {
    public func saveState(into out: inout SnapshotWriter) {
        out.write(UInt32(1))
        server.saveState(into: &out)
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "virtio-fs")
        try server.restoreState(from: &input)
    }
}
#endif
