import IsolaDevices
import IsolaRISCV

/// Linux as a disk's `extlinux/extlinux.conf` names it, read straight from the disk
/// so that `isola run --disk debian.qcow2` boots with the built-in SBI and no U-Boot.
/// The configuration is found where U-Boot's distro boot looks: on the partitions
/// marked bootable (or the first partition when none is), in `/extlinux/` then
/// `/boot/extlinux/`; a disk without a partition table is one file system. Paths in
/// the file are from the root of the partition that holds it, as in U-Boot's sysboot.
public struct ExtlinuxBoot {
    /// Where a configuration was found.
    public struct Location: Equatable {
        public let disk: String
        /// The partition's number, nil for a file system on the whole disk.
        public let partition: Int?
        public let path: String

        public init(disk: String, partition: Int?, path: String) {
            (self.disk, self.partition, self.path) = (disk, partition, path)
        }
    }

    public let location: Location
    public let label: String
    public let kernelPath: String
    public let kernel: [UInt8]
    /// The initrds, one after the other, as U-Boot loads a comma-separated list.
    public let initrd: [UInt8]?
    /// The entry's `append` line ("" when it has none).
    public let bootArguments: String

    static let searchedPaths = ["/extlinux/extlinux.conf", "/boot/extlinux/extlinux.conf"]
    /// Bootable partitions looked at, at most.
    static let maximumCandidates = 8
    /// A boot menu is a few lines; this keeps a hostile one from filling memory.
    static let maximumConfigurationSize: UInt64 = 1 << 20

    /// Where `disk` keeps its extlinux.conf, or nil when it has none that can be read
    /// (a data disk, an unknown file system): the VM then boots something else.
    public static func locate(disk: RISCVMachine.Configuration.Disk) -> Location? {
        guard let image = try? DiskImageFormat.open(path: disk.path, readOnly: true, format: disk.format) else { return nil }
        return try? find(in: DiskRegion(image: image, name: disk.path))?.location
    }

    /// Reads the default entry's kernel and initrds from `disk`; each file may take at
    /// most `limit` bytes (the VM's RAM).
    public init(disk: RISCVMachine.Configuration.Disk, limit: UInt64) throws {
        let image = try DiskImageFormat.open(path: disk.path, readOnly: true, format: disk.format)
        guard let found = try ExtlinuxBoot.find(in: DiskRegion(image: image, name: disk.path)) else {
            throw BootLoaderError.notFound(disk: disk.path, path: ExtlinuxBoot.searchedPaths.joined(separator: " or "))
        }
        let text = String(decoding: try found.fileSystem.readFile(found.location.path, limit: ExtlinuxBoot.maximumConfigurationSize), as: UTF8.self)
        let configuration = try ExtlinuxConfiguration(text: text, disk: disk.path, path: found.location.path)
        let entry = try configuration.defaultEntry(disk: disk.path, path: found.location.path)
        let kernelPath = entry.kernel ?? ""
        location = found.location
        label = entry.label
        self.kernelPath = kernelPath
        kernel = try found.fileSystem.readFile(kernelPath, limit: limit)
        var initrd: [UInt8] = []
        for path in entry.initrds {
            initrd += try found.fileSystem.readFile(path, limit: limit - UInt64(initrd.count))
        }
        self.initrd = entry.initrds.isEmpty ? nil : initrd
        bootArguments = entry.append ?? ""
    }

    /// The first candidate file system holding a configuration.
    private static func find(in disk: DiskRegion) throws(BootLoaderError) -> (fileSystem: Ext4FileSystem, location: Location)? {
        var candidates: [(number: Int?, region: DiskRegion)] = []
        if let partitions = try PartitionTable.partitions(of: disk) {
            let bootable = partitions.filter(\.bootable)
            // A GPT may mark hundreds of partitions bootable; a boot disk has one or two.
            for partition in bootable.isEmpty ? Array(partitions.prefix(1)) : Array(bootable.prefix(ExtlinuxBoot.maximumCandidates)) {
                candidates.append((partition.number, try disk.subregion(at: partition.start, length: partition.length)))
            }
        } else {
            candidates.append((nil, disk))
        }
        for (number, region) in candidates where Ext4FileSystem.isPresent(in: region) {
            let fileSystem = try Ext4FileSystem(region: region)
            for path in searchedPaths {
                do {
                    guard try fileSystem.lookup(path).kind == .regular else { continue }
                } catch .notFound {
                    continue
                }
                return (fileSystem, Location(disk: disk.name, partition: number, path: path))
            }
        }
        return nil
    }
}
