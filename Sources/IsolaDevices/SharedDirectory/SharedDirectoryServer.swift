#if os(Linux)
import IsolaCore
import IsolaHost

/// The FUSE file system server behind a virtio-fs device: it answers the guest
/// kernel's requests on one host directory, inside Isola, with no external daemon.
///
/// Confinement: the guest names files by node IDs the server handed out and by
/// single path components, never by host paths. Each node is an `O_PATH` descriptor
/// (`HostNode`), each operation names at most one component relative to one, and no
/// host call follows a symbolic link; `..`, `.` and names with `/` are refused. So
/// every request the guest can make stays inside the shared directory.
///
/// Ownership: the guest kernel checks permissions itself (virtio-fs mounts with
/// `default_permissions`). When the host process is root, what the guest creates is
/// given the creating guest user's IDs; otherwise it belongs to the host's user.
///
/// Threading: requests come from the device's queue processing, which its transport
/// serializes; the server has no lock of its own.
public final class SharedDirectoryServer {
    /// The name the guest mounts it by (`mount -t virtiofs TAG /mnt`).
    public let tag: String
    public let readOnly: Bool
    /// The host directory.
    public let path: String

    struct Node {
        /// nil: a node a restore could not find again (the guest is answered ESTALE).
        var host: HostNode?
        var lookups: UInt64
        var key: InodeKey?
    }

    struct InodeKey: Hashable {
        let device: UInt64, inode: UInt64
    }

    struct Handle {
        let file: HostOpenFile?
        let nodeID: UInt64
        let flags: Int32
        let directory: Bool
    }

    private let root: HostNode
    private let rootStatus: HostNodeStatus
    var nodes: [UInt64: Node] = [:]
    var byInode: [InodeKey: UInt64] = [:]
    var handles: [UInt64: Handle] = [:]
    var nextNodeID: UInt64 = 2
    var nextHandle: UInt64 = 1
    /// Whether the guest sent FUSE_INIT (a mount is in use).
    public private(set) var initialized = false
    func restoreInitialized(_ value: Bool) { initialized = value }
    private let setsOwners = HostEnvironment.effectiveUserID == 0

    /// Refuses a tag the guest could not mount by (`SharedDirectoryTag`).
    public static func checkTag(_ tag: String) throws(CoreError) {
        if let problem = SharedDirectoryTag.problem(tag) { throw .invalidConfiguration(field: "share", reason: problem) }
    }

    public init(path: String, tag: String, readOnly: Bool) throws {
        try SharedDirectoryServer.checkTag(tag)
        self.path = path
        self.tag = tag
        self.readOnly = readOnly
        root = try HostNode.openRoot(path)
        rootStatus = try root.status()
        nodes[FUSE.rootNodeID] = Node(host: root, lookups: 1, key: nil)
    }

    /// The number of nodes the guest holds (the root included).
    public var nodeCount: Int { nodes.count }
    /// The number of files and directories the guest holds open.
    public var openHandleCount: Int { handles.count }

    enum Reply {
        case none
        case bytes([UInt8])
        /// Data the request placed in the caller's reply buffers, after the header.
        case data(Int)
    }

    /// Answers one request held entirely in `request` (READ's data follows the reply
    /// header in the answer; WRITE's follows its arguments in the request). Nil: no reply
    /// (FORGET). For tests and tools; the device uses `handle(_:writeData:readInto:)`.
    public func handle(_ request: [UInt8]) -> [UInt8]? {
        var reader = FUSEReader(request)
        guard let header = try? FUSEInHeader(&reader) else { return nil }
        var writeData: [UInt8] = []
        var readBuffer: [UInt8] = []
        if header.opcode == FUSEOpcode.write.rawValue, request.count > FUSE.inHeaderSize + 40 {
            writeData = Array(request[(FUSE.inHeaderSize + 40)...])
        }
        if header.opcode == FUSEOpcode.read.rawValue, request.count >= FUSE.inHeaderSize + 24 {
            var r = FUSEReader(request, offset: FUSE.inHeaderSize + 16)
            readBuffer = [UInt8](repeating: 0, count: min(FUSE.maxTransfer, Int((try? r.u32()) ?? 0)))
        }
        // SAFETY: both arrays outlive the call, which reads and writes only inside them.
        return writeData.withUnsafeMutableBytes { w in
            readBuffer.withUnsafeMutableBytes { r in
                let ws = w.baseAddress.map { [IOSegment(base: $0, count: w.count)] } ?? []
                let rs = r.baseAddress.map { [IOSegment(base: $0, count: r.count)] } ?? []
                guard let (reply, count) = handle(request, writeData: ws, readInto: rs) else { return nil }
                return reply + Array(r.prefix(count))
            }
        }
    }

    /// Answers one request: `request` holds its header and arguments (for WRITE, only
    /// up to its data, which is in `writeData`); READ reads into `readInto`. Returns the
    /// reply's header and payload, and how many bytes of `readInto` it filled, or nil
    /// when the request takes no reply.
    public func handle(_ request: [UInt8], writeData: [IOSegment], readInto: [IOSegment]) -> (reply: [UInt8], dataBytes: Int)? {
        var reader = FUSEReader(request)
        guard let header = try? FUSEInHeader(&reader) else { return nil }
        func reply(error: Int32, _ payload: [UInt8] = [], dataBytes: Int = 0) -> ([UInt8], Int) {
            var w = FUSEWriter()
            w.u32(UInt32(FUSE.outHeaderSize + payload.count + dataBytes))
            w.u32(UInt32(bitPattern: -error))
            w.u64(header.unique)
            return (w.bytes + payload, dataBytes)
        }
        guard let opcode = FUSEOpcode(rawValue: header.opcode) else { return reply(error: HostErrno.notImplemented.code) }
        if opcode == .forget || opcode == .batchForget {
            forget(opcode, header: header, reader: &reader)
            return nil
        }
        if readOnly && opcode.modifies { return reply(error: HostErrno.readOnly.code) }
        do throws(HostErrno) {
            switch try execute(opcode, header: header, reader: &reader, writeData: writeData, readInto: readInto) {
            case .none: return nil
            case let .bytes(payload): return reply(error: 0, payload)
            case let .data(count): return reply(error: 0, dataBytes: count)
            }
        } catch {
            return reply(error: error.code)
        }
    }

    // MARK: Requests

    private func execute(_ opcode: FUSEOpcode, header: FUSEInHeader, reader: inout FUSEReader,
                         writeData: [IOSegment], readInto: [IOSegment]) throws(HostErrno) -> Reply {
        func args<T>(_ body: (inout FUSEReader) throws(FUSEReader.Short) -> T) throws(HostErrno) -> T {
            do { return try body(&reader) } catch { throw .invalid }
        }
        switch opcode {
        case .initialize:
            let (major, minor, readahead, flags) = try args { r throws(FUSEReader.Short) in (try r.u32(), try r.u32(), try r.u32(), try r.u32()) }
            guard major == FUSE.majorVersion, minor >= 12 else { throw HostErrno.protocolError }
            initialized = true
            let wanted = FUSE.asyncRead | FUSE.atomicOpenTruncate | FUSE.bigWrites | FUSE.parallelDirectoryOperations
                | FUSE.maxPagesFlag | FUSE.cacheSymlinks
            var w = FUSEWriter()
            w.u32(FUSE.majorVersion); w.u32(min(minor, FUSE.minorVersion)); w.u32(min(readahead, UInt32(FUSE.maxTransfer)))
            w.u32(flags & wanted)
            w.u16(16); w.u16(12)  // max_background, congestion_threshold
            w.u32(UInt32(FUSE.maxTransfer)); w.u32(1)  // max_write, time_gran (nanoseconds)
            w.u16(FUSE.maxPages); w.u16(0); w.u32(0); w.zeros(28)
            return .bytes(w.bytes)
        case .destroy:
            handles.removeAll()
            nodes = nodes.filter { $0.key == FUSE.rootNodeID }
            byInode.removeAll()
            initialized = false
            return .bytes([])
        case .lookup:
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            let parent = try node(header.nodeID)
            return .bytes(try entry(parent.lookup(name)))
        case .getattr:
            return .bytes(attributes(try node(header.nodeID).status()))
        case .setattr:
            return .bytes(try setAttributes(header: header, reader: &reader))
        case .readlink:
            return .bytes(try node(header.nodeID).readLink())
        case .symlink:
            let (name, target) = try args { r throws(FUSEReader.Short) in (try r.name(), try r.name()) }
            let parent = try node(header.nodeID)
            try parent.makeSymbolicLink(name, target: target)
            return .bytes(try created(name, in: parent, header: header))
        case .mknod:
            let (mode, _, _) = try args { r throws(FUSEReader.Short) in (try r.u32(), try r.u32(), try r.u32()) }
            try args { r throws(FUSEReader.Short) in _ = try r.u32() }
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            let parent = try node(header.nodeID)
            try parent.makeNode(name, mode: mode)
            return .bytes(try created(name, in: parent, header: header))
        case .mkdir:
            let (mode, _) = try args { r throws(FUSEReader.Short) in (try r.u32(), try r.u32()) }
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            let parent = try node(header.nodeID)
            try parent.makeDirectory(name, mode: mode)
            return .bytes(try created(name, in: parent, header: header))
        case .unlink, .rmdir:
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            try node(header.nodeID).remove(name, directory: opcode == .rmdir)
            return .bytes([])
        case .rename, .rename2:
            let newParentID = try args { r throws(FUSEReader.Short) in try r.u64() }
            var flags: UInt32 = 0
            if opcode == .rename2 { flags = try args { r throws(FUSEReader.Short) in let f = try r.u32(); _ = try r.u32(); return f } }
            let (name, newName) = try args { r throws(FUSEReader.Short) in (try r.name(), try r.name()) }
            try node(header.nodeID).rename(name, to: node(newParentID), as: newName, flags: flags)
            return .bytes([])
        case .link:
            let target = try args { r throws(FUSEReader.Short) in try r.u64() }
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            let parent = try node(header.nodeID)
            try parent.makeLink(name, to: node(target))
            return .bytes(try entry(parent.lookup(name)))
        case .open, .opendir:
            let flags = try args { r throws(FUSEReader.Short) in try r.u32() }
            let host = try node(header.nodeID)
            let hostFlags = SharedDirectoryServer.hostOpenFlags(guest: flags, directory: opcode == .opendir)
            if readOnly && (hostFlags & SharedDirectoryServer.writeAccessFlags != 0) { throw .readOnly }
            if opcode == .opendir && !host.isDirectory { throw HostErrno(20) }  // ENOTDIR
            let file = try host.open(flags: hostFlags)
            return .bytes(openReply(addHandle(Handle(file: file, nodeID: header.nodeID, flags: hostFlags, directory: opcode == .opendir))))
        case .create:
            let (flags, mode, _, _) = try args { r throws(FUSEReader.Short) in (try r.u32(), try r.u32(), try r.u32(), try r.u32()) }
            let name = try args { r throws(FUSEReader.Short) in try r.name() }
            let parent = try node(header.nodeID)
            let hostFlags = SharedDirectoryServer.hostOpenFlags(guest: flags, directory: false)
            let file = try parent.create(name, flags: hostFlags, mode: mode)
            let entryReply = try created(name, in: parent, header: header)
            var r = FUSEReader(entryReply)
            let nodeID = (try? r.u64()) ?? 0
            return .bytes(entryReply + openReply(addHandle(Handle(file: file, nodeID: nodeID, flags: hostFlags, directory: false))))
        case .read:
            let (fh, offset, size) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u64(), try r.u32()) }
            let file = try handle(fh, directory: false)
            guard Int(size) <= FUSE.maxTransfer else { throw .invalid }
            return .data(try file.read(into: SharedDirectoryServer.limit(readInto, to: Int(size)), at: offset))
        case .write:
            let (fh, offset, size) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u64(), try r.u32()) }
            let file = try handle(fh, directory: false)
            let available = writeData.reduce(0) { $0 + $1.count }
            guard Int(size) <= available, Int(size) <= FUSE.maxTransfer else { throw .invalid }
            let written = try file.write(from: SharedDirectoryServer.limit(writeData, to: Int(size)), at: offset)
            var w = FUSEWriter()
            w.u32(UInt32(written)); w.u32(0)
            return .bytes(w.bytes)
        case .release, .releasedir:
            let fh = try args { r throws(FUSEReader.Short) in try r.u64() }
            handles[fh] = nil
            return .bytes([])
        case .flush, .syncfs:
            return .bytes([])
        case .fsync, .fsyncdir:
            let (fh, flags) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u32()) }
            try handle(fh, directory: opcode == .fsyncdir).synchronize(dataOnly: flags & 1 != 0)
            return .bytes([])
        case .readdir:
            let (fh, offset, size) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u64(), try r.u32()) }
            return .bytes(try readDirectory(fh, offset: Int64(bitPattern: offset), size: Int(min(size, UInt32(FUSE.maxTransfer)))))
        case .statfs:
            let s = try node(header.nodeID).fileSystemStatus()
            var w = FUSEWriter()
            w.u64(s.blocks); w.u64(s.freeBlocks); w.u64(s.availableBlocks); w.u64(s.files); w.u64(s.freeFiles)
            w.u32(s.blockSize); w.u32(s.nameLength); w.u32(s.fragmentSize); w.u32(0); w.zeros(24)
            return .bytes(w.bytes)
        case .lseek:
            let (fh, offset, whence) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u64(), try r.u32()) }
            guard whence <= 4 else { throw .invalid }  // SEEK_SET, CUR, END, DATA, HOLE: the same numbers everywhere
            let position = try handle(fh, directory: false).seek(Int64(bitPattern: offset), whence: Int32(whence))
            var w = FUSEWriter()
            w.u64(UInt64(bitPattern: position))
            return .bytes(w.bytes)
        case .fallocate:
            let (fh, offset, length, mode) = try args { r throws(FUSEReader.Short) in (try r.u64(), try r.u64(), try r.u64(), try r.u32()) }
            try handle(fh, directory: false).allocate(mode: Int32(bitPattern: mode), offset: offset, length: length)
            return .bytes([])
        default:
            // Extended attributes, locks (the guest kernel keeps POSIX locks itself), ioctl,
            // poll, copy_file_range, tmpfile: ENOSYS makes the kernel stop asking or fall back.
            throw .notImplemented
        }
    }

    private func node(_ id: UInt64) throws(HostErrno) -> HostNode {
        guard let entry = nodes[id] else { throw .stale }
        guard let host = entry.host else { throw .stale }
        return host
    }

    private func handle(_ fh: UInt64, directory: Bool) throws(HostErrno) -> HostOpenFile {
        guard let h = handles[fh], h.directory == directory else { throw .badHandle }
        guard let file = h.file else { throw .stale }
        return file
    }

    private func addHandle(_ handle: Handle) -> UInt64 {
        let fh = nextHandle
        nextHandle += 1
        handles[fh] = handle
        return fh
    }

    private func openReply(_ fh: UInt64) -> [UInt8] {
        var w = FUSEWriter()
        w.u64(fh); w.u32(0); w.u32(0)  // open_flags: no direct I/O, no keep-cache (the host may change the file)
        return w.bytes
    }

    /// What the guest learns of a new name: a node ID (the same for the same host inode) and its attributes.
    private func entry(_ found: (HostNode, HostNodeStatus)) -> [UInt8] {
        let (host, status) = found
        let key = InodeKey(device: status.device, inode: status.inode)
        let id: UInt64
        if status.device == rootStatus.device && status.inode == rootStatus.inode {
            id = FUSE.rootNodeID
        } else if let known = byInode[key], nodes[known] != nil {
            id = known
            nodes[known]?.lookups += 1
        } else {
            id = nextNodeID
            nextNodeID += 1
            nodes[id] = Node(host: host, lookups: 1, key: key)
            byInode[key] = id
        }
        var w = FUSEWriter()
        w.u64(id); w.u64(0)  // nodeid, generation
        w.u64(FUSE.cacheSeconds); w.u64(FUSE.cacheSeconds); w.u32(0); w.u32(0)
        w.append(SharedDirectoryServer.attributeBytes(status))
        return w.bytes
    }

    /// The entry for what the server just made, first given the guest user's IDs when the host allows it.
    private func created(_ name: [UInt8], in parent: HostNode, header: FUSEInHeader) throws(HostErrno) -> [UInt8] {
        if setsOwners { try? parent.setOwner(of: name, userID: header.userID, groupID: header.groupID) }
        return entry(try parent.lookup(name))
    }

    private func forget(_ opcode: FUSEOpcode, header: FUSEInHeader, reader: inout FUSEReader) {
        func drop(_ id: UInt64, _ count: UInt64) {
            guard id != FUSE.rootNodeID, let entry = nodes[id] else { return }
            if entry.lookups <= count {
                nodes[id] = nil
                if let key = entry.key, byInode[key] == id { byInode[key] = nil }
            } else {
                nodes[id]?.lookups -= count
            }
        }
        if opcode == .forget {
            if let count = try? reader.u64() { drop(header.nodeID, count) }
        } else if let count = try? reader.u32(), (try? reader.u32()) != nil {
            for _ in 0..<count {
                guard let id = try? reader.u64(), let n = try? reader.u64() else { return }
                drop(id, n)
            }
        }
    }

    private func attributes(_ status: HostNodeStatus) -> [UInt8] {
        var w = FUSEWriter()
        w.u64(FUSE.cacheSeconds); w.u32(0); w.u32(0)
        w.append(SharedDirectoryServer.attributeBytes(status))
        return w.bytes
    }

    private func setAttributes(header: FUSEInHeader, reader: inout FUSEReader) throws(HostErrno) -> [UInt8] {
        let fields: (valid: UInt32, fh: UInt64, size: UInt64, atime: UInt64, mtime: UInt64, atimens: UInt32, mtimens: UInt32, mode: UInt32, uid: UInt32, gid: UInt32)
        do {
            let valid = try reader.u32(); _ = try reader.u32()
            let fh = try reader.u64(), size = try reader.u64(); _ = try reader.u64()
            let atime = try reader.u64(), mtime = try reader.u64(); _ = try reader.u64()
            let atimens = try reader.u32(), mtimens = try reader.u32(); _ = try reader.u32()
            let mode = try reader.u32(); _ = try reader.u32()
            let uid = try reader.u32(), gid = try reader.u32()
            fields = (valid, fh, size, atime, mtime, atimens, mtimens, mode, uid, gid)
        } catch {
            throw .invalid
        }
        let host = try node(header.nodeID)
        let v = fields.valid
        if v & FUSE.setMode != 0 { try host.setMode(fields.mode) }
        if v & (FUSE.setUID | FUSE.setGID) != 0 {
            try host.setOwner(userID: v & FUSE.setUID != 0 ? fields.uid : nil, groupID: v & FUSE.setGID != 0 ? fields.gid : nil)
        }
        if v & FUSE.setSize != 0 {
            if v & FUSE.setHandle != 0, let h = handles[fields.fh], let file = h.file, !h.directory {
                try file.truncate(to: fields.size)
            } else {
                try host.truncate(to: fields.size)
            }
        }
        if v & (FUSE.setAccessTime | FUSE.setModificationTime) != 0 {
            func time(_ set: UInt32, now: UInt32, _ seconds: UInt64, _ nanoseconds: UInt32) -> (Int64, Int) {
                if v & set == 0 { return (0, HostNode.timeOmit) }
                if v & now != 0 { return (0, HostNode.timeNow) }
                return (Int64(bitPattern: seconds), Int(min(nanoseconds, 999_999_999)))
            }
            try host.setTimes(access: time(FUSE.setAccessTime, now: FUSE.setAccessTimeNow, fields.atime, fields.atimens),
                              modification: time(FUSE.setModificationTime, now: FUSE.setModificationTimeNow, fields.mtime, fields.mtimens))
        }
        return attributes(try host.status())
    }

    private func readDirectory(_ fh: UInt64, offset: Int64, size: Int) throws(HostErrno) -> [UInt8] {
        let file = try handle(fh, directory: true)
        var w = FUSEWriter()
        let entries = try file.readDirectory(from: offset, limit: size)
        for e in entries {
            // fuse_dirent: ino, off, namelen, type, name padded to 8 bytes.
            let length = (24 + e.name.count + 7) & ~7
            guard w.bytes.count + length <= size else {
                // What did not fit is read again from here next time.
                file.rewindDirectory(to: w.bytes.isEmpty ? offset : lastOffset(w.bytes))
                break
            }
            w.u64(e.inode); w.u64(UInt64(bitPattern: e.next)); w.u32(UInt32(e.name.count)); w.u32(UInt32(e.type))
            w.append(e.name)
            w.zeros(length - 24 - e.name.count)
        }
        return w.bytes
    }

    /// The `off` of the last dirent packed into `bytes`.
    private func lastOffset(_ bytes: [UInt8]) -> Int64 {
        var r = FUSEReader(bytes)
        var last: Int64 = 0
        while r.remaining >= 24 {
            guard (try? r.u64()) != nil, let off = try? r.u64(), let length = try? r.u32(), (try? r.u32()) != nil else { break }
            last = Int64(bitPattern: off)
            try? r.skip((Int(length) + 7) & ~7)
        }
        return last
    }

    // MARK: Encodings

    /// `fuse_attr`.
    static func attributeBytes(_ s: HostNodeStatus) -> [UInt8] {
        var w = FUSEWriter()
        w.u64(s.inode); w.u64(s.size); w.u64(s.blocks)
        w.u64(UInt64(bitPattern: s.accessTime.seconds)); w.u64(UInt64(bitPattern: s.modificationTime.seconds))
        w.u64(UInt64(bitPattern: s.changeTime.seconds))
        w.u32(s.accessTime.nanoseconds); w.u32(s.modificationTime.nanoseconds); w.u32(s.changeTime.nanoseconds)
        w.u32(s.mode); w.u32(s.linkCount); w.u32(s.userID); w.u32(s.groupID)
        w.u32(linuxDeviceNumber(s.specialDevice)); w.u32(s.blockSize); w.u32(0)
        return w.bytes
    }

    /// glibc's 64-bit dev_t as the kernel's 32-bit `new_encode_dev`, which FUSE carries.
    static func linuxDeviceNumber(_ dev: UInt64) -> UInt32 {
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
        let minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
        return UInt32(truncatingIfNeeded: (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12))
    }

    /// The access mode and O_TRUNC: what a read-only share refuses.
    static let writeAccessFlags: Int32 = 3 | HostOpenFlag.truncate

    /// The guest's open flags (Linux's generic numbering, which riscv64 uses) as the
    /// host's: the access mode and the flags that change what I/O does, no others.
    static func hostOpenFlags(guest: UInt32, directory: Bool) -> Int32 {
        var flags = Int32(guest & 3)
        if guest & 0o1000 != 0 { flags |= HostOpenFlag.truncate }
        if guest & 0o2000 != 0 { flags |= HostOpenFlag.append }
        if guest & 0o10000 != 0 { flags |= HostOpenFlag.dataSync }
        if guest & 0o4000000 != 0 { flags |= HostOpenFlag.sync }
        if directory { flags = HostOpenFlag.directory }
        return flags
    }

    /// The first `count` bytes of `segments`.
    static func limit(_ segments: [IOSegment], to count: Int) -> [IOSegment] {
        var left = count
        var out: [IOSegment] = []
        for s in segments where left > 0 {
            out.append(IOSegment(base: s.base, count: min(s.count, left)))
            left -= min(s.count, left)
        }
        return out
    }
}
#endif
