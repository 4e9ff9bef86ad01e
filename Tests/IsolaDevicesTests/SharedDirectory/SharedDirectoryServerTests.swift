#if os(Linux)
import Glibc
import IsolaCore
import IsolaDevices
import IsolaHost
import Testing

/// Speaks FUSE to a server as the guest kernel would, one request at a time.
final class FUSETestClient {
    let server: SharedDirectoryServer
    private var unique: UInt64 = 1

    init(_ server: SharedDirectoryServer) {
        self.server = server
    }

    struct Reply {
        let error: Int32
        let payload: [UInt8]
        func u64(at offset: Int) -> UInt64 { payload[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func u32(at offset: Int) -> UInt32 { payload[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        /// fuse_entry_out: the node ID, and the attributes' mode and size.
        var nodeID: UInt64 { u64(at: 0) }
        var entryMode: UInt32 { u32(at: 40 + 60) }
        var entrySize: UInt64 { u64(at: 40 + 8) }
        /// fuse_attr_out's attributes.
        var attrMode: UInt32 { u32(at: 16 + 60) }
        var attrSize: UInt64 { u64(at: 16 + 8) }
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func name(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    @discardableResult
    func send(_ opcode: FUSEOpcode, node: UInt64 = 1, _ arguments: [UInt8] = [], uid: UInt32 = 0) -> Reply? {
        let header = FUSEInHeader(length: UInt32(FUSE.inHeaderSize + arguments.count), opcode: opcode.rawValue, unique: unique, nodeID: node, userID: uid, groupID: uid)
        defer { unique += 1 }
        guard let bytes = server.handle(header.encoded + arguments) else { return nil }
        let length = bytes[0..<4].reversed().reduce(0) { $0 << 8 | Int($1) }
        let error = Int32(bitPattern: bytes[4..<8].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        let echoed = bytes[8..<16].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        #expect(length == bytes.count && echoed == unique)
        return Reply(error: error, payload: Array(bytes.dropFirst(16)))
    }

    func initialize() -> Reply? {
        send(.initialize, FUSETestClient.le(UInt32(7)) + FUSETestClient.le(UInt32(36)) + FUSETestClient.le(UInt32(131072)) + FUSETestClient.le(UInt32(0xFFFF_FFFF)) + [UInt8](repeating: 0, count: 48))
    }

    func lookup(_ name: String, in parent: UInt64 = 1) -> Reply? { send(.lookup, node: parent, FUSETestClient.name(name)) }

    func mkdir(_ name: String, in parent: UInt64 = 1, mode: UInt32 = 0o755) -> Reply? {
        send(.mkdir, node: parent, FUSETestClient.le(mode) + FUSETestClient.le(UInt32(0)) + FUSETestClient.name(name))
    }

    /// CREATE with O_RDWR: the entry, then the handle.
    func create(_ name: String, in parent: UInt64 = 1, mode: UInt32 = 0o644, uid: UInt32 = 0) -> (node: UInt64, handle: UInt64)? {
        guard let r = send(.create, node: parent, FUSETestClient.le(UInt32(2)) + FUSETestClient.le(mode | 0o100000) + FUSETestClient.le(UInt32(0)) + FUSETestClient.le(UInt32(0)) + FUSETestClient.name(name), uid: uid),
              r.error == 0 else { return nil }
        return (r.nodeID, r.u64(at: 128))
    }

    func open(_ node: UInt64, flags: UInt32, directory: Bool = false) -> Reply? {
        send(directory ? .opendir : .open, node: node, FUSETestClient.le(flags) + FUSETestClient.le(UInt32(0)))
    }

    func write(_ handle: UInt64, node: UInt64, _ data: [UInt8], at offset: UInt64 = 0) -> Reply? {
        send(.write, node: node, FUSETestClient.le(handle) + FUSETestClient.le(offset) + FUSETestClient.le(UInt32(data.count)) + [UInt8](repeating: 0, count: 20) + data)
    }

    func read(_ handle: UInt64, node: UInt64, size: UInt32, at offset: UInt64 = 0) -> Reply? {
        send(.read, node: node, FUSETestClient.le(handle) + FUSETestClient.le(offset) + FUSETestClient.le(size) + [UInt8](repeating: 0, count: 20))
    }

    /// READDIR from offset 0 until it answers nothing: the names.
    func list(_ node: UInt64) -> [String] {
        guard let opened = open(node, flags: 0, directory: true), opened.error == 0 else { return [] }
        let fh = opened.u64(at: 0)
        var names: [String] = []
        var offset: UInt64 = 0
        while let r = send(.readdir, node: node, FUSETestClient.le(fh) + FUSETestClient.le(offset) + FUSETestClient.le(UInt32(200)) + [UInt8](repeating: 0, count: 20)),
              r.error == 0, !r.payload.isEmpty {
            var at = 0
            while at + 24 <= r.payload.count {
                let length = Int(r.u32(at: at + 16))
                names.append(String(decoding: r.payload[(at + 24)..<(at + 24 + length)], as: UTF8.self))
                offset = r.u64(at: at + 8)
                at += (24 + length + 7) & ~7
            }
        }
        send(.releasedir, node: node, FUSETestClient.le(fh) + [UInt8](repeating: 0, count: 16))
        return names
    }
}

/// A fresh host directory for one test, removed after it.
final class ScratchDirectory {
    let path: String
    init() {
        var template = Array("/tmp/isola-share-XXXXXX".utf8CString)
        // SAFETY: mkdtemp rewrites the template's X characters in place, inside the array.
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress.unsafelyUnwrapped)) }
    }
    deinit { HostDirectory.removeTree(path) }

    func write(_ name: String, _ text: String) {
        let fd = Glibc.open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    func read(_ name: String) -> String? {
        let fd = Glibc.open(path + "/" + name, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, 4096)
        return String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
    }

    func mode(_ name: String) -> UInt32? {
        var st = stat()
        return lstat(path + "/" + name, &st) == 0 ? UInt32(st.st_mode) : nil
    }
}

@Suite struct SharedDirectoryServerTests {
    @Test func initNegotiatesVersionAndTransferSize() throws {
        let dir = ScratchDirectory()
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: false))
        let r = try #require(client.initialize())
        #expect(r.error == 0)
        #expect(r.u32(at: 0) == 7 && r.u32(at: 4) == 31)
        #expect(r.u32(at: 20) == UInt32(FUSE.maxTransfer))  // max_write
        #expect(client.server.initialized)
    }

    @Test func guestChangesReachTheHost() throws {
        let dir = ScratchDirectory()
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: false))
        _ = client.initialize()
        let sub = try #require(client.mkdir("sub"))
        #expect(sub.error == 0 && sub.entryMode & 0o170000 == 0o040000)
        let file = try #require(client.create("hello.txt", in: sub.nodeID))
        let written = try #require(client.write(file.handle, node: file.node, Array("hi from the guest\n".utf8)))
        #expect(written.error == 0 && written.u32(at: 0) == 18)
        #expect(dir.read("sub/hello.txt") == "hi from the guest\n")
        // rename within the share, then the host sees the new name only
        let rename = client.send(.rename, node: sub.nodeID, FUSETestClient.le(UInt64(1)) + FUSETestClient.name("hello.txt") + FUSETestClient.name("moved.txt"))
        #expect(rename?.error == 0)
        #expect(dir.read("moved.txt") == "hi from the guest\n" && dir.read("sub/hello.txt") == nil)
        // chmod through SETATTR
        var setattr = FUSETestClient.le(UInt32(1)) + [UInt8](repeating: 0, count: 4 + 8 * 6 + 12)
        setattr += FUSETestClient.le(UInt32(0o600)) + [UInt8](repeating: 0, count: 16)
        let moved = try #require(client.lookup("moved.txt"))
        let changed = try #require(client.send(.setattr, node: moved.nodeID, setattr))
        #expect(changed.error == 0 && changed.attrMode & 0o7777 == 0o600)
        #expect(dir.mode("moved.txt").map { $0 & 0o7777 } == 0o600)
        // a symbolic link the host keeps as written
        let link = try #require(client.send(.symlink, node: 1, FUSETestClient.name("etc-link") + FUSETestClient.name("/etc")))
        #expect(link.error == 0 && link.entryMode & 0o170000 == 0o120000)
        #expect(String(decoding: client.send(.readlink, node: link.nodeID)?.payload ?? [], as: UTF8.self) == "/etc")
        #expect(Set(client.list(1)) == [".", "..", "sub", "moved.txt", "etc-link"])
        // delete
        #expect(client.send(.unlink, node: 1, FUSETestClient.name("moved.txt"))?.error == 0)
        #expect(client.send(.rmdir, node: 1, FUSETestClient.name("sub"))?.error == 0)
        #expect(dir.mode("sub") == nil && dir.read("moved.txt") == nil)
    }

    @Test func hostChangesReachTheGuest() throws {
        let dir = ScratchDirectory()
        dir.write("from-host", "written by the host")
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: false))
        _ = client.initialize()
        let entry = try #require(client.lookup("from-host"))
        #expect(entry.error == 0 && entry.entrySize == 19)
        let opened = try #require(client.open(entry.nodeID, flags: 0))
        let data = try #require(client.read(opened.u64(at: 0), node: entry.nodeID, size: 100))
        #expect(String(decoding: data.payload, as: UTF8.self) == "written by the host")
        // The same host inode is the same node, however often it is looked up.
        #expect(client.lookup("from-host")?.nodeID == entry.nodeID)
        dir.write("from-host", "changed")
        #expect(client.send(.getattr, node: entry.nodeID, [UInt8](repeating: 0, count: 16))?.attrSize == 7)
    }

    @Test func nothingLeavesTheSharedDirectory() throws {
        let dir = ScratchDirectory()
        symlink("/etc", dir.path + "/etc-link")
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: false))
        _ = client.initialize()
        let EINVAL: Int32 = -22, ENOTDIR: Int32 = -20, ELOOP: Int32 = -40, ESTALE: Int32 = -116
        #expect(client.lookup("..")?.error == EINVAL)
        #expect(client.lookup(".")?.error == EINVAL)
        #expect(client.lookup("etc-link/passwd")?.error == EINVAL)
        #expect(client.mkdir("../escape")?.error == EINVAL)
        #expect(client.send(.symlink, node: 1, FUSETestClient.name("../x") + FUSETestClient.name("y"))?.error == EINVAL)
        // A link is a node of its own: looking names up under it, or opening it, never walks it.
        let link = try #require(client.lookup("etc-link"))
        #expect(link.error == 0)
        #expect(client.lookup("passwd", in: link.nodeID)?.error == ENOTDIR)
        #expect(client.open(link.nodeID, flags: 0)?.error == ELOOP)
        #expect(client.mkdir("x", in: link.nodeID)?.error == ENOTDIR)
        #expect(client.send(.create, node: link.nodeID, [UInt8](repeating: 0, count: 16) + FUSETestClient.name("f"))?.error == ENOTDIR)
        // A node the server never handed out is stale, not some other file.
        #expect(client.send(.getattr, node: 999, [UInt8](repeating: 0, count: 16))?.error == ESTALE)
        // A device node is refused: the guest must not leave the host a handle on a disk.
        let blockDevice = FUSETestClient.le(UInt32(0o060600)) + FUSETestClient.le(UInt32(0x0801)) + [UInt8](repeating: 0, count: 8)
        #expect(client.send(.mknod, node: 1, blockDevice + FUSETestClient.name("sda"))?.error == -1)
        #expect(dir.mode("sda") == nil)
    }

    @Test func readOnlyShareRefusesEveryChange() throws {
        let dir = ScratchDirectory()
        dir.write("file", "keep")
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: true))
        _ = client.initialize()
        let EROFS: Int32 = -30
        #expect(client.mkdir("new")?.error == EROFS)
        #expect(client.create("new") == nil)
        #expect(client.send(.unlink, node: 1, FUSETestClient.name("file"))?.error == EROFS)
        let file = try #require(client.lookup("file"))
        #expect(client.open(file.nodeID, flags: 1)?.error == EROFS)  // O_WRONLY
        #expect(client.open(file.nodeID, flags: 0o1000)?.error == EROFS)  // O_TRUNC
        #expect(client.open(file.nodeID, flags: 0)?.error == 0)
        #expect(dir.read("file") == "keep" && dir.mode("new") == nil)
    }

    @Test func badRequestsAreAnsweredNotTrusted() throws {
        let dir = ScratchDirectory()
        let client = FUSETestClient(try SharedDirectoryServer(path: dir.path, tag: "t", readOnly: false))
        _ = client.initialize()
        #expect(client.send(.lookup, node: 1, Array("no-terminator".utf8))?.error == -22)
        #expect(client.send(.read, node: 1, [1, 2])?.error == -22)
        #expect(client.read(12345, node: 1, size: 10)?.error == -9)  // EBADF: no such handle
        #expect(client.send(.getxattr, node: 1, [UInt8](repeating: 0, count: 8) + FUSETestClient.name("user.x"))?.error == -38)
        #expect(client.server.handle([1, 2, 3]) == nil)  // not even a header: nothing to answer
        let file = try #require(client.create("f"))
        // WRITE claiming more data than it carries
        let claim = FUSETestClient.le(file.handle) + FUSETestClient.le(UInt64(0)) + FUSETestClient.le(UInt32(1000)) + [UInt8](repeating: 0, count: 20) + [1, 2, 3]
        #expect(client.send(.write, node: file.node, claim)?.error == -22)
        #expect(client.send(.forget, node: file.node, FUSETestClient.le(UInt64(1))) == nil)
        #expect(SharedDirectoryServer.checkTagFails("") && SharedDirectoryServer.checkTagFails(String(repeating: "x", count: 37)))
    }

    @Test func snapshotReopensNodesUnderAnotherDirectory() throws {
        let first = ScratchDirectory(), second = ScratchDirectory()
        for dir in [first, second] {
            mkdir(dir.path + "/etc", 0o755)
            dir.write("etc/hostname", dir === first ? "first" : "second")
        }
        let client = FUSETestClient(try SharedDirectoryServer(path: first.path, tag: "root", readOnly: false))
        _ = client.initialize()
        let etc = try #require(client.lookup("etc"))
        let hostname = try #require(client.lookup("hostname", in: etc.nodeID))
        let fh = try #require(client.open(hostname.nodeID, flags: 0)).u64(at: 0)
        var out = SnapshotWriter()
        client.server.saveState(into: &out)

        let restored = FUSETestClient(try SharedDirectoryServer(path: second.path, tag: "root", readOnly: false))
        var input = SnapshotReader(out.bytes, what: "virtio-fs")
        try restored.server.restoreState(from: &input)
        #expect(input.isAtEnd && restored.server.initialized && restored.server.openHandleCount == 1)
        let data = try #require(restored.read(fh, node: hostname.nodeID, size: 100))
        #expect(String(decoding: data.payload, as: UTF8.self) == "second")
        #expect(restored.lookup("hostname", in: etc.nodeID)?.nodeID == hostname.nodeID)

        var truncated = SnapshotReader(Array(out.bytes.prefix(20)), what: "virtio-fs")
        #expect(throws: SnapshotError.self) { try restored.server.restoreState(from: &truncated) }
    }
}

extension SharedDirectoryServer {
    static func checkTagFails(_ tag: String) -> Bool { (try? checkTag(tag)) == nil }
}
#endif
