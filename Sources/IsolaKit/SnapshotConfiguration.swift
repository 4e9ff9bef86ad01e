import FoundationEssentials

/// The configuration a snapshot was saved with, kept in the snapshot file as JSON
/// so a restore can name the field that differs instead of failing on the board.
enum SnapshotConfiguration {
    struct Saved: Codable {
        var isolaKit: VirtualMachineConfiguration
    }

    static func encode(_ configuration: VirtualMachineConfiguration) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(Saved(isolaKit: configuration)))) ?? []
    }

    /// nil for a snapshot another front end saved (the `isola` command, the hypervisor).
    static func decode(_ bytes: [UInt8]) -> VirtualMachineConfiguration? {
        try? JSONDecoder().decode(Saved.self, from: Data(bytes)).isolaKit
    }
}

extension VirtualMachineConfiguration {
    /// The first field whose difference would make a restored board not match the
    /// saved one (the paths of files may differ), or nil.
    func difference(from other: VirtualMachineConfiguration) -> String? {
        if cpuCount != other.cpuCount { return "cpuCount" }
        if memorySizeInBytes != other.memorySizeInBytes { return "memorySizeInBytes" }
        if storageDevices.count != other.storageDevices.count { return "storageDevices" }
        if networkDevices.count != other.networkDevices.count { return "networkDevices" }
        if sharedDirectories.map(\.tag) != other.sharedDirectories.map(\.tag) { return "sharedDirectories" }
        if hasVirtioConsole != other.hasVirtioConsole { return "hasVirtioConsole" }
        if hasEntropyDevice != other.hasEntropyDevice { return "hasEntropyDevice" }
        if hasMemoryBalloon != other.hasMemoryBalloon { return "hasMemoryBalloon" }
        return nil
    }
}
