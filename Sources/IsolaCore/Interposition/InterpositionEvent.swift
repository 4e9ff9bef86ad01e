/// What a guest did that left its virtual CPU, as the VM's interposer sees it.
public enum InterpositionEventKind: String, Codable, Sendable, CaseIterable {
    /// An SBI call (a hypercall); detail: the extension (base, time, ipi, rfence, hsm, srst, dbcn, legacy, other).
    case sbi
    /// A load or store to a device's registers; detail: the device (uart, plic, clint, virtio-mmio0, …).
    case mmio
    /// A load or store to an address where no RAM and no device is (the guest gets an access fault).
    case unmapped
    /// A disk request; detail: read, write, flush, discard or other.
    case disk
    /// A network frame; detail: tx (guest to network) or rx (network to guest).
    case net
    /// Console output; detail: uart or hvc.
    case console
    /// A shared-directory (virtio-fs) request; detail: the FUSE operation (lookup, read, write, mkdir, …).
    case share
}

/// One event: its kind, detail, and what it carries.
public struct InterpositionEvent: Sendable, Equatable {
    public var kind: InterpositionEventKind
    public var detail: String
    /// The guest physical address (mmio, unmapped) or the disk's byte offset.
    public var address: UInt64?
    /// Bytes moved (disk data, a frame, console output).
    public var bytes: UInt64
    /// Whether the access writes (mmio, unmapped).
    public var write: Bool?

    public init(_ kind: InterpositionEventKind, _ detail: String, address: UInt64? = nil, bytes: UInt64 = 0, write: Bool? = nil) {
        self.kind = kind
        self.detail = detail
        self.address = address
        self.bytes = bytes
        self.write = write
    }
}

/// What the interposer decided.
public enum InterpositionVerdict: Sendable, Equatable {
    case allow
    /// The guest sees an error: SBI_ERR_DENIED, an access fault, an I/O error, a dropped frame.
    case deny
}
