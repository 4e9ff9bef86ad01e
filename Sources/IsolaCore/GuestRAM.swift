import IsolaHost

/// The guest's main memory: one contiguous range of guest physical addresses
/// backed by one host mapping.
///
/// Every guest-supplied address is checked with `contains` before it becomes a
/// host pointer, so a guest can never reach host memory outside its own RAM.
public final class GuestRAM: @unchecked Sendable {
    // Sendable: harts on several threads share RAM on purpose; the guest's
    // own memory model (and host atomics for LR/SC and AMOs) orders access.
    public let basePhysicalAddress: UInt64
    public let size: UInt64
    public let host: UnsafeMutableRawPointer
    let mapping: MemoryMapping

    public init(basePhysicalAddress: UInt64, size: UInt64) throws {
        precondition(size > 0 && size % 4096 == 0, "RAM size must be a positive multiple of 4 KiB")
        mapping = try MemoryMapping(byteCount: Int(size))
        self.basePhysicalAddress = basePhysicalAddress
        self.size = size
        host = mapping.base
    }

    /// Guest RAM in host memory now (pages the guest touched and has not given back).
    public var residentBytes: UInt64 { UInt64(mapping.residentBytes) }

    /// The first address past RAM.
    public var endPhysicalAddress: UInt64 { basePhysicalAddress + size }

    /// Whether `[address, address + length)` lies entirely in RAM.
    @inline(__always)
    public func contains(_ address: UInt64, length: UInt64 = 1) -> Bool {
        let offset = address &- basePhysicalAddress
        return offset < size && length <= size - offset
    }

    /// The host address of a guest physical address already checked with `contains`.
    @inline(__always)
    public func hostPointer(_ address: UInt64) -> UnsafeMutableRawPointer {
        host + Int(address &- basePhysicalAddress)
    }

    /// Copies bytes into guest RAM, refusing a range that is not entirely inside it.
    public func write(_ bytes: [UInt8], at address: UInt64) throws(CoreError) {
        guard contains(address, length: UInt64(bytes.count)) else {
            throw .outsideRAM(address: address, length: UInt64(bytes.count), ramBase: basePhysicalAddress, ramSize: size)
        }
        // SAFETY: `src` is used only inside the closure; an empty array (no base address) copies nothing.
        bytes.withUnsafeBytes { src in
            guard let p = src.baseAddress else { return }
            // SAFETY: the destination range was checked against RAM above.
            hostPointer(address).copyMemory(from: p, byteCount: src.count)
        }
    }

    /// Fills a range of guest RAM with zeros (an ELF segment's .bss).
    public func zero(at address: UInt64, length: UInt64) throws(CoreError) {
        guard contains(address, length: length) else {
            throw .outsideRAM(address: address, length: length, ramBase: basePhysicalAddress, ramSize: size)
        }
        // SAFETY: checked above.
        hostPointer(address).initializeMemory(as: UInt8.self, repeating: 0, count: Int(length))
    }

    /// Gives whole pages back to the host (they read as zeros afterwards); false when
    /// the range is not page-aligned or not inside RAM.
    @discardableResult
    public func discard(at address: UInt64, length: UInt64) -> Bool {
        guard address % 4096 == 0, length % 4096 == 0, contains(address, length: length) else { return false }
        mapping.discard(offset: Int(address - basePhysicalAddress), length: Int(length))
        return true
    }

    /// Shares `[address, address + length)` with a file, or (descriptor nil) with the
    /// processes a host fork makes: the process VM's MAP_SHARED. 0 or the host's errno.
    public func mapShared(at address: UInt64, length: UInt64, descriptor: Int32?, fileOffset: UInt64, writable: Bool) -> Int32 {
        guard address % 4096 == 0, length % 4096 == 0, length > 0, contains(address, length: length) else { return 22 }
        return mapping.mapShared(descriptor: descriptor, fileOffset: fileOffset, at: Int(address - basePhysicalAddress), length: Int(length), writable: writable)
    }

    /// Attaches System V segment `identifier` of `length` bytes at `address`. 0 or the host's errno.
    public func attachSegment(_ identifier: Int32, at address: UInt64, length: UInt64, readOnly: Bool) -> Int32 {
        guard address % 4096 == 0, length > 0, contains(address, length: length) else { return 22 }
        return mapping.attachSegment(identifier, at: Int(address - basePhysicalAddress), readOnly: readOnly)
    }

    /// Moves shared frames to `to` with a new length (mremap of a shared mapping). 0 or the host's errno.
    public func moveShared(from: UInt64, length: UInt64, to: UInt64, newLength: UInt64) -> Int32 {
        guard from % 4096 == 0, to % 4096 == 0, contains(from, length: length), contains(to, length: newLength) else { return 22 }
        return mapping.moveShared(from: Int(from - basePhysicalAddress), length: Int(length), to: Int(to - basePhysicalAddress), newLength: Int(newLength))
    }

    /// msync over shared frames. 0 or the host's errno.
    public func synchronize(at address: UInt64, length: UInt64, flags: Int32) -> Int32 {
        guard address % 4096 == 0, contains(address, length: length) else { return 22 }
        return mapping.synchronize(offset: Int(address - basePhysicalAddress), length: Int(length), flags: flags)
    }

    /// Past a shared file's end, a touched page is the program's SIGBUS, not Isola's crash.
    public func guardSharedPages() { mapping.guardSharedPages() }

    /// Reads bytes from guest RAM, or nil when the range is not inside it.
    public func read(at address: UInt64, length: Int) -> [UInt8]? {
        guard contains(address, length: UInt64(length)) else { return nil }
        let p = hostPointer(address)
        return [UInt8](UnsafeRawBufferPointer(start: p, count: length))
    }
}
