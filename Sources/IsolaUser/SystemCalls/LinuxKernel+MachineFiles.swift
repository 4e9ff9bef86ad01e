import IsolaHost
import IsolaRISCV

/// The /proc files that describe the machine and the program, answered by the process
/// VM rather than the host, whose answers would describe an x86-64 process:
/// /proc/self/maps (the guest's address space), /proc/self/auxv (the program's own
/// auxiliary vector) and /proc/cpuinfo (a riscv64 machine). Each is opened as a memory
/// file holding the text as it is at the open, as Linux's are read at once by most readers.
extension LinuxKernel {
    /// The contents of a machine file the program opens, or nil when `path` is not one.
    func machineFile(_ path: [UInt8]) -> [UInt8]? {
        let text = String(decoding: path, as: UTF8.self)
        let pid = HostSystemCall.invoke(SystemCallTable.host(172))
        for prefix in ["/proc/self/", "/proc/thread-self/", "/proc/\(pid)/"] where text.hasPrefix(prefix) {
            switch text.dropFirst(prefix.count) {
            case "maps": return mapsListing()
            case "auxv": return auxiliaryVector
            default: return nil
            }
        }
        return text == "/proc/cpuinfo" ? LinuxKernel.cpuInfo() : nil
    }

    /// A host memory file holding `contents`, at offset 0, opened with the program's
    /// O_CLOEXEC: the descriptor open answers, or a negative errno.
    func openMemoryFile(_ contents: [UInt8], flags: UInt64) -> Int {
        let cloexec = flags & 0o2000000 != 0
        // SAFETY: the name is NUL-terminated and lives through the call, made inside the closure.
        let fd = Array("isola-proc\0".utf8).withUnsafeBytes {
            HostSystemCall.invoke(SystemCallTable.host(279), Int(bitPattern: $0.baseAddress), cloexec ? 1 : 0)  // MFD_CLOEXEC
        }
        guard fd >= 0 else { return fd }
        var written = 0
        while written < contents.count {
            // SAFETY: the bytes from `written` on lie inside `contents`, alive through the call inside the closure.
            let r = contents.withUnsafeBytes {
                HostSystemCall.invoke(SystemCallTable.host(64), fd, $0.baseAddress.map { Int(bitPattern: $0 + written) } ?? 0, contents.count - written)
            }
            guard r > 0 else {
                _ = HostSystemCall.invoke(SystemCallTable.host(57), fd)
                return r < 0 ? r : -HostSystemCall.EIO
            }
            written += r
        }
        _ = HostSystemCall.invoke(SystemCallTable.host(62), fd, 0, 0)
        return fd
    }

    /// /proc/self/maps as Linux prints it: one line per run of pages with the same
    /// permissions, sharing and name, from the page tables and the names the kernel keeps.
    func mapsListing() -> [UInt8] {
        let (names, heap) = lock.withLock { (mappingNames, (breakStart, LinuxKernel.pageAligned(programBreak))) }
        struct Run { var start: UInt64, end: UInt64, bits: UInt64, name: MappingName? }
        var runs: [Run] = []
        let kept = UserMemory.Protection([.read, .write, .execute]).rawValue | UserMemory.sharedFrame
        memory.forEachLeaf { va, pte in
            var name = names.name(at: va)
            if name == nil && va >= heap.0 && va < heap.1 { name = MappingName(start: heap.0, end: heap.1, name: Array("[heap]".utf8)) }
            let bits = pte & kept
            if var last = runs.last, last.end == va, last.bits == bits, last.name == name {
                last.end = va + UserMemory.pageSize
                runs[runs.count - 1] = last
            } else {
                runs.append(Run(start: va, end: va + UserMemory.pageSize, bits: bits, name: name))
            }
        }
        var out = ""
        func hex(_ value: UInt64, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        for run in runs {
            let p = UserMemory.Protection(rawValue: run.bits)
            let permissions = (p.contains(.read) ? "r" : "-") + (p.contains(.write) ? "w" : "-") + (p.contains(.execute) ? "x" : "-")
                + (run.bits & UserMemory.sharedFrame != 0 ? "s" : "p")
            let name = run.name
            let offset = name.map { $0.inode != 0 ? $0.offset + (run.start - $0.start) : 0 } ?? 0
            var line = "\(hex(run.start, 8))-\(hex(run.end, 8)) \(permissions) \(hex(offset, 8)) "
                + "\(hex(UInt64(name?.device.major ?? 0), 2)):\(hex(UInt64(name?.device.minor ?? 0), 2)) \(name?.inode ?? 0) "
            if let name, !name.name.isEmpty {
                line += String(repeating: " ", count: max(0, 73 - line.count)) + String(decoding: name.name, as: UTF8.self)
            }
            out += line + "\n"
        }
        return Array(out.utf8)
    }

    /// /proc/cpuinfo for riscv64 Linux: one entry per host CPU the program may run on,
    /// with the ISA the hart implements.
    static func cpuInfo() -> [UInt8] {
        let count = max(1, HostProcess.onlineProcessors)
        var out = ""
        for cpu in 0..<count {
            out += "processor\t: \(cpu)\nhart\t\t: \(cpu)\nisa\t\t: \(ISAExtensions.isaString)\nmmu\t\t: sv39\n"
                + "mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\nhart isa\t: \(ISAExtensions.isaString)\n\n"
        }
        return Array(out.utf8)
    }

    /// Names a file mapping the program made, as /proc/self/maps shows it (`lock` held).
    func nameFileMapping(_ start: UInt64, length: UInt64, descriptor: Int, offset: UInt64) {
        guard case let .success(target) = LinuxKernel.hostLink(Array("/proc/self/fd/\(descriptor)".utf8)) else { return }
        let (r, status) = HostStatus.statx(directory: descriptor, path: [], flags: HostStatus.emptyPath)
        guard r == 0 else { return }
        mappingNames.set(MappingName(start: start, end: start + length, name: sysroot.guestPath(target), offset: offset,
                                     device: status.device, inode: status.inode))
    }
}
