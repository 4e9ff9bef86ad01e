import IsolaCore

/// What a debugger reads and writes on a paused hart: CSRs as M-mode sees them, the
/// privilege mode, and memory through the hart's current translation, all without the
/// side effects of the guest's own accesses (no A/D bits set, no faults taken, no device
/// registers touched).
extension Hart {
    /// A CSR as M-mode reads it (counters whatever `mcounteren` says, FP state whatever FS says); nil if it does not exist.
    public func debugReadCSR(_ csr: UInt16) -> UInt64? {
        switch csr {
        case CSR.fflags: return fflags
        case CSR.frm: return frm
        case CSR.fcsr: return frm << 5 | fflags
        case CSR.cycle: return readCSR(CSR.mcycle)
        case CSR.instret: return readCSR(CSR.minstret)
        case CSR.time: return machine.clock.mtime
        default:
            let saved = privilege
            defer { privilege = saved }
            privilege = .machine  // readCSR looks at the privilege only for access rules
            return readCSR(csr)
        }
    }

    /// Writes a CSR as M-mode would; false if it does not exist or is read-only.
    @discardableResult
    public func debugWriteCSR(_ csr: UInt16, _ value: UInt64) -> Bool {
        switch csr {
        case CSR.fflags: fflags = value & 0x1F
        case CSR.frm: frm = value & 7
        case CSR.fcsr: floatingPointControl = value
        default:
            guard csr >> 10 != 3 else { return false }
            let saved = privilege
            privilege = .machine
            let written = writeCSR(csr, value)
            setPrivilege(saved)  // a write may have chosen TLB tables for M-mode
            return written
        }
        return true
    }

    /// The privilege mode; a debugger may change it (gdb's `priv` register).
    public var debugPrivilege: PrivilegeMode {
        get { privilege }
        set { setPrivilege(newValue) }
    }

    /// The guest-physical address of `va` as this hart's loads (or, failing that, its
    /// fetches) would reach it now; nil where neither could.
    public func debugPhysicalAddress(_ va: UInt64) -> UInt64? {
        let savedCause = pendingCause, savedTval = pendingTval
        defer { pendingCause = savedCause; pendingTval = savedTval }
        return translate(va, .read, dataPrivilege, forDebugger: true)
            ?? translate(va, .fetch, privilege, forDebugger: true)
    }

    /// `count` bytes of guest RAM at `va`, page by page; nil if any byte is not RAM.
    public func debugRead(_ va: UInt64, count: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var address = va
        while bytes.count < count {
            let chunk = min(count - bytes.count, Int(4096 - (address & 0xFFF)))
            guard let pa = debugPhysicalAddress(address), let part = machine.ram.read(at: pa, length: chunk) else { return nil }
            bytes += part
            address &+= UInt64(chunk)
        }
        return bytes
    }

    /// Writes `bytes` into guest RAM at `va`; false (and nothing written) if any byte is
    /// not RAM. Every hart drops what it decoded or translated, as after `fence.i`.
    public func debugWrite(_ va: UInt64, _ bytes: [UInt8]) -> Bool {
        var pieces: [(UInt64, ArraySlice<UInt8>)] = []
        var offset = 0
        while offset < bytes.count {
            let address = va &+ UInt64(offset)
            let chunk = min(bytes.count - offset, Int(4096 - (address & 0xFFF)))
            guard let pa = debugPhysicalAddress(address), machine.ram.contains(pa, length: UInt64(chunk)) else { return false }
            pieces.append((pa, bytes[offset..<offset + chunk]))
            offset += chunk
        }
        for (pa, piece) in pieces {
            do { try machine.ram.write(Array(piece), at: pa) } catch { return false }
        }
        for hart in machine.clint.harts { hart.post(ExitRequest.fenceI) }
        return true
    }
}
