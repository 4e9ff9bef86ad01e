import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV

/// Snapshots of a bundle's VM live in `NAME.isola/snapshots/`: `TAG.snap` (the VM's
/// state and memory, one file) and, for each disk the VM writes, `TAG.diskN.qcow2`:
/// the disk as it was at that moment, frozen. Taking a snapshot renames the running
/// overlay to the frozen layer and goes on writing a new overlay on top of it;
/// restoring puts a new overlay on the frozen layer, so a restore (or each clone)
/// starts from exactly the disk the memory expects, and never changes the layer.
extension VMBundle {
    public static let snapshotsDirectoryName = "snapshots"
    public static let snapshotSuffix = ".snap"

    public var snapshotsDirectory: String { directory + "/" + VMBundle.snapshotsDirectoryName }

    /// The longest snapshot tag, in Unicode code points.
    public static let maximumTagLength = 60

    /// Where the snapshot called `tag` lives; the tag becomes a file name.
    public func snapshotPath(tag: String) throws(CoreError) -> String {
        // At most 60 code points (240 bytes of UTF-8): the tag, ".snap" and a frozen
        // disk layer's ".diskN.qcow2" stay within a file name's 255 bytes.
        let plain = tag.unicodeScalars.allSatisfy { $0 != "/" && $0.value >= 0x20 && $0.value != 0x7F }
        guard !tag.isEmpty, !tag.hasPrefix("."), plain, tag.unicodeScalars.count <= VMBundle.maximumTagLength else {
            throw .invalidConfiguration(field: "snapshot", reason: "'\(tag)': a tag is a plain file name of 1 to \(VMBundle.maximumTagLength) characters (no '/' or control characters, not starting with '.')")
        }
        return snapshotsDirectory + "/" + tag + VMBundle.snapshotSuffix
    }

    /// The frozen image of disk `index` that belongs to the snapshot at `snapshotPath`.
    public static func frozenLayerPath(snapshot snapshotPath: String, disk index: Int) -> String {
        let stem = snapshotPath.hasSuffix(snapshotSuffix) ? String(snapshotPath.dropLast(snapshotSuffix.count)) : snapshotPath
        return stem + ".disk\(index).qcow2"
    }

    /// The disks the VM writes, which a snapshot must freeze: each must be a qcow2
    /// file at the top of the bundle (as `isola create` makes them).
    func writableDisks() throws(CoreError) -> [(index: Int, path: String)] {
        var disks: [(Int, String)] = []
        for (i, disk) in configuration.disks.enumerated() where disk.readonly != true {
            guard !disk.path.contains("/"), disk.format == nil || disk.format == "qcow2" else {
                throw .invalidConfiguration(field: "disks[\(i)]", reason: "'\(disk.path)' is not a qcow2 overlay inside the bundle, so a snapshot cannot freeze it")
            }
            disks.append((i, directory + "/" + disk.path))
        }
        return disks
    }

    /// Saves `vm` (running from this bundle) as snapshot `tag` and freezes its disks.
    /// The harts are left paused. Refuses a tag that exists; on any failure nothing is
    /// left: no snapshot file, the disks as they were.
    public func saveSnapshot(of vm: any MachineBackend, tag: String) throws -> (path: String, summary: SnapshotFile.Summary) {
        let path = try snapshotPath(tag: tag)
        guard !HostFile.exists(path) else {
            throw CoreError.invalidConfiguration(field: "snapshot", reason: "\(path) exists; remove it or choose another tag")
        }
        let disks = try writableDisks()
        if !HostFile.exists(snapshotsDirectory) { try HostDirectory.create(snapshotsDirectory) }
        let devices = vm.blockDevices
        let summary = try vm.saveSnapshot(to: path, configuration: configuration.encoded()) {
            var frozen: [(device: VirtioBlock, path: String, layer: String)] = []
            let prefix = VMBundle.snapshotsDirectoryName + "/"
            do {
                for (index, diskPath) in disks {
                    guard index < devices.count else { break }
                    let device = devices[index]
                    let layer = VMBundle.frozenLayerPath(snapshot: path, disk: index)
                    guard device.image.synchronize() else {
                        throw HostError.io(operation: "fsync", path: diskPath, errno: HostError.inputOutputError)
                    }
                    try HostFile.move(diskPath, to: layer)
                    frozen.append((device, diskPath, layer))
                    // The layer now lies in snapshots/: a backing name relative to the bundle
                    // (an earlier frozen layer) becomes relative to snapshots/.
                    try QCOW2Image.renameBacking(path: layer) { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
                    let relative = VMBundle.snapshotsDirectoryName + "/" + (layer.split(separator: "/").last.map(String.init) ?? layer)
                    try QCOW2Image.create(path: diskPath, size: nil, backing: relative, backingFormat: .qcow2)
                    device.replaceDisk(try DiskImageFormat.open(path: diskPath, readOnly: false, format: .qcow2))
                }
            } catch {
                // Put every disk back as it was: the frozen file returns under its old name.
                for (device, diskPath, layer) in frozen.reversed() {
                    HostFile.remove(diskPath)
                    try? HostFile.move(layer, to: diskPath)
                    try? QCOW2Image.renameBacking(path: diskPath, regaining: prefix.utf8.count) { $0.contains("/") ? $0 : prefix + $0 }
                    if let image = try? DiskImageFormat.open(path: diskPath, readOnly: false, format: .qcow2) { device.replaceDisk(image) }
                }
                throw error
            }
        }
        return (path, summary)
    }
}
