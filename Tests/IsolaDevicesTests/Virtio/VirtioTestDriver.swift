import IsolaCore
import IsolaDevices

/// Plays the guest driver against a virtio-mmio transport: ring set-up in a
/// small guest RAM, descriptors written by hand (hostile ones included).
final class VirtioTestDriver {
    static let ramBase: UInt64 = 0x8000_0000
    let ram: GuestRAM
    let line = Line()
    let transport: VirtioMMIOTransport
    let queueSize: UInt16 = 8
    let descriptors: UInt64 = 0x8000_0000
    let available: UInt64 = 0x8000_1000
    let used: UInt64 = 0x8000_2000
    var availableIndex: UInt16 = 0

    init(device: (GuestRAM) -> VirtioDevice, features: UInt64 = 1 << 32) throws {
        ram = try GuestRAM(basePhysicalAddress: Self.ramBase, size: 1 << 20)
        transport = VirtioMMIOTransport(device: device(ram), ram: ram, interrupt: line)
        store(0x070, 1 | 2)  // ACKNOWLEDGE | DRIVER
        store(0x024, 0); store(0x020, features & 0xFFFF_FFFF)
        store(0x024, 1); store(0x020, features >> 32)
        store(0x070, 1 | 2 | 8)  // FEATURES_OK
        store(0x030, 0)
        store(0x038, UInt64(queueSize))
        store(0x080, descriptors & 0xFFFF_FFFF); store(0x084, descriptors >> 32)
        store(0x090, available & 0xFFFF_FFFF); store(0x094, available >> 32)
        store(0x0A0, used & 0xFFFF_FFFF); store(0x0A4, used >> 32)
        store(0x044, 1)
        store(0x070, 1 | 2 | 8 | 4)  // DRIVER_OK
    }

    /// A driver for a virtio-console writing to `sink`, the console wired to its transport.
    static func console(output sink: ByteSink) throws -> (VirtioTestDriver, VirtioConsole) {
        var console: VirtioConsole?
        let d = try VirtioTestDriver { _ in
            let c = VirtioConsole(output: sink)
            console = c
            return c
        }
        guard let device = console else { throw VirtioTestDriverError.noDevice }
        device.transport = d.transport
        return (d, device)
    }

    func store(_ offset: UInt64, _ value: UInt64) { transport.write(offset: offset, size: 4, value: value) }
    func load(_ offset: UInt64) -> UInt64 { transport.read(offset: offset, size: 4) }

    func descriptor(_ i: UInt16, address: UInt64, length: UInt32, flags: UInt16 = 0, next: UInt16 = 0, table: UInt64? = nil) {
        let at = (table ?? descriptors) + UInt64(i) * 16
        let p = ram.hostPointer(at)
        p.storeBytes(of: address, as: UInt64.self)
        p.storeBytes(of: length, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: flags, toByteOffset: 12, as: UInt16.self)
        p.storeBytes(of: next, toByteOffset: 14, as: UInt16.self)
    }

    /// Makes a chain available and notifies queue 0.
    func post(head: UInt16) {
        ram.hostPointer(available + 4 + UInt64(availableIndex % queueSize) * 2).storeBytes(of: head, as: UInt16.self)
        availableIndex &+= 1
        ram.hostPointer(available + 2).storeBytes(of: availableIndex, as: UInt16.self)
        store(0x050, 0)
    }

    var usedIndex: UInt16 { ram.hostPointer(used + 2).load(as: UInt16.self) }
    func usedEntry(_ i: UInt16) -> (id: UInt32, length: UInt32) {
        let p = ram.hostPointer(used + 4 + UInt64(i % queueSize) * 8)
        return (p.load(as: UInt32.self), p.load(fromByteOffset: 4, as: UInt32.self))
    }
    var needsReset: Bool { load(0x070) & 64 != 0 }
}

enum VirtioTestDriverError: Error { case noDevice }
