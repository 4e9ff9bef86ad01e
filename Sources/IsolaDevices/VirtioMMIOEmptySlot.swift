import IsolaCore

/// A virtio-mmio transport slot with no device behind it (device ID 0): the
/// guest probes it, sees "nothing here", and moves on — the spec's way to
/// leave room for devices that are plugged in later (virtio 1.2, 4.2.2).
public final class VirtioMMIOEmptySlot: MMIODevice {
    public static let magic: UInt64 = 0x7472_6976  // "virt"

    public init() {}

    public func read(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0x000: return Self.magic
        case 0x004: return 2  // version: modern virtio-mmio
        case 0x008: return 0  // device ID 0: no device
        case 0x00C: return 0x4F53_4931  // vendor ID
        default: return 0
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {}
}
