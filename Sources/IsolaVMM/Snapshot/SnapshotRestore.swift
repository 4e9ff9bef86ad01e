import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV

/// Everything a restore needs, checked and prepared before anything changes: the
/// snapshot (header, sections and checksums), the board its configuration describes,
/// and a new overlay on each frozen disk layer. `commit` puts the overlays in place
/// once the machine has been restored; `abandon` removes them.
///
/// Three cases, by where the snapshot lies and what is asked:
/// - in a bundle's `snapshots/` (also a bundle copied with `cp -r`): that bundle's VM
///   goes back to the snapshot; its configuration must describe the same board, and
///   its disks restart from the frozen layers (what it wrote since is dropped);
/// - `clone`: a new bundle whose disks are overlays on the snapshot's frozen layers,
///   so each clone writes only its own;
/// - a lone snapshot file of a VM without writable disks.
public struct SnapshotRestore {
    public let snapshot: SnapshotFile
    /// The bundle the restored VM runs as (nil for a lone snapshot file).
    public let bundle: VMBundle?
    public let file: VMConfigurationFile
    public let configuration: RISCVMachine.Configuration
    public let boot: BootSource
    private let moves: [(from: String, to: String)]
    private let madeBundle: String?

    /// The bundle directory holding a snapshot, if it lies in one's `snapshots/`.
    static func containingBundle(_ snapshotPath: String) -> String? {
        var parts = snapshotPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[parts.count - 2] == VMBundle.snapshotsDirectoryName else { return nil }
        parts.removeLast(2)
        let directory = parts.joined(separator: "/")
        return HostFile.exists(directory + "/" + VMBundle.configurationName) ? directory : nil
    }

    public static func prepare(snapshotPath: String, clone: String? = nil) throws -> SnapshotRestore {
        let snapshot = try SnapshotFile.open(snapshotPath)
        let saved = try VMConfigurationFile.decode(snapshot.configuration, source: snapshotPath + " (its configuration)")
        let absolutePath = snapshotPath.hasPrefix("/") ? snapshotPath : (HostDirectory.current ?? ".") + "/" + snapshotPath
        let writable = saved.disks.indices.filter { saved.disks[$0].readonly != true }
        for i in writable where !HostFile.exists(VMBundle.frozenLayerPath(snapshot: absolutePath, disk: i)) {
            throw CoreError.invalidConfiguration(field: "disks[\(i)]", reason: "the snapshot's frozen disk \(VMBundle.frozenLayerPath(snapshot: snapshotPath, disk: i)) is missing")
        }

        if let clone {
            var file = saved
            for i in writable { file.disks[i] = .init(path: VMBundle.frozenLayerPath(snapshot: absolutePath, disk: i), format: "qcow2") }
            let bundle = try VMBundle.create(directory: VMBundle.path(naming: clone), configuration: file)
            do {
                let (configuration, boot) = try bundle.machine()
                return SnapshotRestore(snapshot: snapshot, bundle: bundle, file: bundle.configuration, configuration: configuration,
                                       boot: boot, moves: [], madeBundle: bundle.directory)
            } catch {
                HostDirectory.removeTree(bundle.directory)
                throw error
            }
        }

        if let directory = containingBundle(snapshotPath) {
            let bundle = try VMBundle.open(directory)
            if let mismatch = bundle.configuration.restoreMismatch(saved) {
                throw CoreError.invalidConfiguration(field: mismatch.field, reason: "\(mismatch.reason): the snapshot does not fit \(directory)")
            }
            let (machineConfiguration, boot) = try bundle.machine()
            var configuration = machineConfiguration
            var moves: [(String, String)] = []
            do {
                for (index, path) in try bundle.writableDisks() {
                    let layer = VMBundle.frozenLayerPath(snapshot: snapshotPath, disk: index)
                    let relative = VMBundle.snapshotsDirectoryName + "/" + (layer.split(separator: "/").last.map(String.init) ?? layer)
                    let fresh = path + ".restoring-\(HostEnvironment.processID)"
                    HostFile.remove(fresh)
                    try QCOW2Image.create(path: fresh, size: nil, backing: relative, backingFormat: .qcow2)
                    moves.append((fresh, path))
                    configuration.disks[index].path = fresh
                }
            } catch {
                for (fresh, _) in moves { HostFile.remove(fresh) }
                throw error
            }
            return SnapshotRestore(snapshot: snapshot, bundle: bundle, file: bundle.configuration, configuration: configuration,
                                   boot: boot, moves: moves, madeBundle: nil)
        }

        guard writable.isEmpty else {
            throw CoreError.invalidConfiguration(field: "snapshot", reason: "\(snapshotPath) is not in a bundle's snapshots/ directory, and its VM writes disks; restore it from its bundle")
        }
        let directory = absolutePath.split(separator: "/").dropLast().joined(separator: "/")
        return SnapshotRestore(snapshot: snapshot, bundle: nil, file: saved,
                               configuration: try saved.machineConfiguration(relativeTo: "/" + directory),
                               boot: try saved.bootSource(relativeTo: "/" + directory), moves: [], madeBundle: nil)
    }

    /// The machine is restored: the new overlays take their real names (the running
    /// disks follow, being open already).
    public func commit() throws {
        for (fresh, path) in moves { try HostFile.move(fresh, to: path) }
    }

    /// The restore failed: nothing it prepared stays.
    public func abandon() {
        for (fresh, _) in moves { HostFile.remove(fresh) }
        if let madeBundle { HostDirectory.removeTree(madeBundle) }
    }
}

extension VMConfigurationFile {
    /// What makes a saved VM's state unfit for the board this configuration describes,
    /// or nil. Names, paths and networks' backends may differ (a copy, a clone); the
    /// board's shape may not.
    public func restoreMismatch(_ saved: VMConfigurationFile) -> (field: String, reason: String)? {
        if saved.memory != memory, (try? MemorySize.parse(saved.memory)) != (try? MemorySize.parse(memory)) {
            return ("memory", "\(saved.memory) in the snapshot, \(memory) in the configuration")
        }
        if saved.cpus != cpus { return ("cpus", "\(saved.cpus) in the snapshot, \(cpus) in the configuration") }
        if saved.disks.count != disks.count { return ("disks", "\(saved.disks.count) in the snapshot, \(disks.count) in the configuration") }
        for (i, (a, b)) in zip(saved.disks, disks).enumerated() where (a.readonly ?? false) != (b.readonly ?? false) {
            return ("disks[\(i)].readonly", "differs between the snapshot and the configuration")
        }
        if saved.networks.count != networks.count {
            return ("networks", "\(saved.networks.count) in the snapshot, \(networks.count) in the configuration")
        }
        if (saved.bios == nil) != (bios == nil) { return ("bios", "firmware in one of the snapshot and the configuration only") }
        return nil
    }
}
