import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM

/// The VM a container runs in, as its bundle describes it: the board (memory, harts,
/// the root directory as a virtio-fs share tagged `rootfs`), the CPU share, and the
/// kernel and container initramfs it boots.
///
/// Annotations choose what the spec has no words for: `io.isola.memory` ("512M"),
/// `io.isola.cpus`, `io.isola.kernel`, `io.isola.initrd`, `io.isola.engine`
/// ("jit" or "interpreter"). Otherwise memory follows `linux.resources.memory.limit`
/// (256 MiB without one), harts the CPU quota (one without), the CPU weight
/// `linux.resources.cpu.shares` and the cap quota/period.
public struct ContainerMachine: Sendable {
    public var configuration: RISCVMachine.Configuration
    public var share: CPUShare
    public var kernel: String
    public var initrd: String
    public var bootArguments: String
    public var rootfs: String

    public static let rootfsTag = "rootfs"
    public static let defaultMemory: UInt64 = 256 << 20
    public static let annotationPrefix = "io.isola."

    public init(spec: OCISpec, bundle: String) throws(ContainerError) {
        let annotations = spec.annotations ?? [:]
        guard let root = spec.root else { throw .invalidSpec(field: "root.path", reason: "missing") }
        rootfs = root.path.hasPrefix("/") ? root.path : bundle + "/" + root.path
        guard HostFile.isDirectory(rootfs) else {
            throw .invalidSpec(field: "root.path", reason: "\(rootfs) is not a directory")
        }
        var c = RISCVMachine.Configuration()
        c.balloon = false
        c.name = "container"
        if let text = annotations["io.isola.memory"] {
            do { c.memoryInBytes = try MemorySize.parse(text) } catch {
                throw .invalidSpec(field: "annotations.io.isola.memory", reason: "'\(text)': expected a size such as 256M or 1G")
            }
        } else if let limit = spec.linux?.resources?.memory?.limit, limit > 0 {
            // Whole MiB, at least the limit: the guest kernel keeps some for itself.
            c.memoryInBytes = (UInt64(limit) + (1 << 20) - 1) & ~((1 << 20) - 1)
        } else {
            c.memoryInBytes = ContainerMachine.defaultMemory
        }
        let cpu = spec.linux?.resources?.cpu
        if let text = annotations["io.isola.cpus"] {
            guard let n = Int(text) else { throw .invalidSpec(field: "annotations.io.isola.cpus", reason: "'\(text)' is not a number") }
            c.hartCount = n
        } else if let quota = cpu?.quota, quota > 0, let period = cpu?.period, period > 0 {
            c.hartCount = max(1, Int((UInt64(quota) + period - 1) / period))
        }
        if let text = annotations["io.isola.engine"] {
            guard let engine = ExecutionEngine(rawValue: text) else {
                throw .invalidSpec(field: "annotations.io.isola.engine", reason: "'\(text)': expected jit or interpreter")
            }
            c.engine = engine
        }
        c.shares = [.init(path: rootfs, tag: ContainerMachine.rootfsTag, readOnly: root.readonly ?? false)]
        do { try c.validate() } catch let CoreError.invalidConfiguration(field, reason) {
            throw .invalidSpec(field: field == "memory" || field == "cpus" ? "linux.resources (\(field))" : field, reason: reason)
        } catch {
            throw .invalidSpec(field: "config.json", reason: "\(error)")
        }
        configuration = c
        share = CPUShare()
        if let shares = cpu?.shares, shares > 0 {
            // cgroup v1 shares (2 ... 262144) onto v2 weights (1 ... 10000), as runc converts them.
            let clamped = min(max(shares, 2), 262_144)
            share.weight = Int(1 + ((clamped - 2) * 9999) / 262_142)
        }
        if let quota = cpu?.quota, quota > 0, let period = cpu?.period, period > 0 {
            share.cap = max(1, Int(UInt64(quota) * 100 / period))
        }
        let image = GuestImages.defaultImage
        guard let kernel = annotations["io.isola.kernel"] ?? image?.kernel else {
            throw .failed("no guest kernel: build the default image (Guests/linux/build.sh) or set the io.isola.kernel annotation")
        }
        guard let initrd = annotations["io.isola.initrd"] ?? image.map({ $0.directory + "/container.cpio.gz" }) else {
            throw .failed("no container initramfs: build the default image (Guests/linux/build.sh) or set io.isola.initrd")
        }
        for (field, path) in [("io.isola.kernel", kernel), ("io.isola.initrd", initrd)] where !HostFile.exists(path) {
            throw .failed("\(path) does not exist (\(field)): build the default image with Guests/linux/build.sh")
        }
        self.kernel = kernel
        self.initrd = initrd
        bootArguments = "console=ttyS0 quiet panic=-1 rdinit=/init"
    }

    /// The guest's settings for the network it takes over (init.c's address, gateway, mac, mtu).
    public private(set) var networkEntries: [(String, String)] = []

    /// Puts the VM's one network interface on the namespace's interface; the guest takes its address.
    public mutating func join(_ namespace: HostNetworkNamespace) {
        let mac = namespace.mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
        configuration.networks = [.init(backend: .packetSocket(namespace.socket), mac: mac)]
        networkEntries = [("mac", mac)]
        if namespace.address != 0 {
            networkEntries.append(("address", "\(HostNetworkNamespace.dotted(namespace.address))/\(namespace.prefix)"))
        }
        if namespace.gateway != 0 { networkEntries.append(("gateway", HostNetworkNamespace.dotted(namespace.gateway))) }
        if namespace.mtu != 0 { networkEntries.append(("mtu", "\(namespace.mtu)")) }
    }

    public var boot: BootSource { .linux(kernel: kernel, initrd: initrd, bootArguments: bootArguments) }

    /// What a template snapshot of this machine must match to be restored in its place:
    /// the boot files (by path, size and time), the board and the Isola that saved it.
    public func templateKey(executable: String) -> String {
        func file(_ path: String) -> String { "\(path):\(HostDirectory.modificationTime(path) ?? 0):\(HostFile.size(path) ?? 0)" }
        let c = configuration
        let text = [file(kernel), file(initrd), file(executable), bootArguments, IsolaVersion.current, "\(c.memoryInBytes)",
                    "\(c.hartCount)", c.engine.rawValue, "\(c.networks.count)", "\(c.codeCacheBytes)"].joined(separator: "\n")
        return String(HostChecksum.checksum64(Array(text.utf8)), radix: 16)
    }
}
