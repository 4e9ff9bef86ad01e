#if os(Linux)
import IsolaCore
import IsolaHost

/// A snapshot keeps what the guest holds (node IDs and file handles) by the paths
/// the nodes have in the shared directory when it is taken, and a restore reopens
/// them under the directory the restored VM shares, which may be another one: a
/// container's VM is a clone of a template whose share is replaced. What can no
/// longer be found is answered ESTALE, as an NFS client would be.
extension SharedDirectoryServer {
    public func saveState(into out: inout SnapshotWriter) {
        out.write(initialized)
        out.write(nextNodeID)
        out.write(nextHandle)
        let rootPath = nodes[FUSE.rootNodeID]?.host?.currentPath() ?? path
        let saved = nodes.filter { $0.key != FUSE.rootNodeID }.sorted { $0.key < $1.key }
        out.write(UInt32(saved.count))
        for (id, node) in saved {
            out.write(id)
            out.write(node.lookups)
            let relative = node.host.flatMap { SharedDirectoryServer.relativePath($0.currentPath(), under: rootPath) }
            out.write(relative != nil)
            out.write(Array((relative ?? "").utf8), lengthPrefixed: true)
        }
        let open = handles.sorted { $0.key < $1.key }
        out.write(UInt32(open.count))
        for (fh, handle) in open {
            out.write(fh)
            out.write(handle.nodeID)
            out.write(handle.flags & ~HostOpenFlag.truncate)
            out.write(handle.directory)
        }
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        let wasInitialized = try input.readBool()
        let savedNextNode = try input.read(UInt64.self), savedNextHandle = try input.read(UInt64.self)
        var restoredNodes: [UInt64: Node] = [:]
        var restoredInodes: [InodeKey: UInt64] = [:]
        let root = nodes[FUSE.rootNodeID]
        let count = Int(try input.read(UInt32.self))
        for _ in 0..<count {
            let id = try input.read(UInt64.self), lookups = try input.read(UInt64.self)
            let found = try input.readBool()
            let length = Int(try input.read(UInt32.self))
            let relative = try input.readBytes(count: length)
            guard id != FUSE.rootNodeID, id < savedNextNode, restoredNodes[id] == nil else {
                throw .invalid(what: input.what, reason: "shared directory node \(id) repeated or out of range")
            }
            var node = Node(host: nil, lookups: lookups, key: nil)
            if found, let rootNode = root?.host {
                let components = relative.split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init)
                if let host = try? HostNode.reopen(components, from: rootNode), let status = try? host.status() {
                    node.host = host
                    node.key = InodeKey(device: status.device, inode: status.inode)
                    restoredInodes[node.key!] = id
                }
            }
            restoredNodes[id] = node
        }
        var restoredHandles: [UInt64: Handle] = [:]
        let handleCount = Int(try input.read(UInt32.self))
        for _ in 0..<handleCount {
            let fh = try input.read(UInt64.self), nodeID = try input.read(UInt64.self)
            let flags = try input.read(Int32.self), directory = try input.readBool()
            guard fh < savedNextHandle, restoredHandles[fh] == nil else {
                throw .invalid(what: input.what, reason: "shared directory handle \(fh) repeated or out of range")
            }
            let host = nodeID == FUSE.rootNodeID ? root?.host : restoredNodes[nodeID]?.host
            restoredHandles[fh] = Handle(file: try? host?.open(flags: flags), nodeID: nodeID, flags: flags, directory: directory)
        }
        if let root { restoredNodes[FUSE.rootNodeID] = root }
        nodes = restoredNodes
        byInode = restoredInodes
        handles = restoredHandles
        nextNodeID = max(savedNextNode, 2)
        nextHandle = max(savedNextHandle, 1)
        restoreInitialized(wasInitialized)
    }

    /// `path` relative to `root` ("" for the root itself), or nil when it is not under it
    /// (or the file was deleted: the kernel then appends " (deleted)").
    static func relativePath(_ path: String?, under root: String) -> String? {
        guard let path, !path.hasSuffix(" (deleted)") else { return nil }
        if path == root { return "" }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }
}
#endif
