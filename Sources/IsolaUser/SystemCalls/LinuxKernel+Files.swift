import IsolaHost

/// File system calls with more to them than buffers: reads and writes straight
/// into the program's pages, /proc/self/exe, riscv64's `struct stat`, terminals.
extension LinuxKernel {
    static let selfExecutable = Array("/proc/self/exe".utf8)

    /// read, write, pread64, pwrite64, readv, writev: one host call per page piece, no copy.
    func transfer(_ number: Int, _ a: [UInt64]) -> Int {
        let fd = Int(Int32(truncatingIfNeeded: a[0]))
        if [65, 66, 69, 70, 286, 287].contains(number) { return vectored(number, a) }
        let into = number == 63 || number == 67
        let hostNumber = SystemCallTable.host(number)
        guard a[2] > 0 else {
            // Nothing to move, but the descriptor is still checked.
            return HostSystemCall.invoke(hostNumber, fd, 0, 0, Int(bitPattern: UInt(a[3])))
        }
        var total = 0
        var failure: Int?
        let mapped = memory.withHostPieces(a[1], count: Int(min(a[2], 1 << 30)), write: into) { piece, n in
            let r = HostSystemCall.invoke(hostNumber, fd, Int(bitPattern: piece), n, Int(bitPattern: UInt(a[3])) + total)
            if r < 0 { failure = r; return false }
            total += r
            return r == n
        }
        if total > 0 { return total }
        return failure ?? (mapped ? 0 : LinuxKernel.efault)
    }

    /// readv, writev, preadv, pwritev, preadv2, pwritev2: one host call over host iovecs
    /// that point straight into the program's pages (a guest iovec that crosses pages
    /// becomes several), so a write to a socket or pipe stays one write.
    func vectored(_ number: Int, _ a: [UInt64]) -> Int {
        guard a[2] <= 1024 else { return -HostSystemCall.EINVAL }
        guard let vector = memory.read(a[1], count: Int(a[2]) * 16) else { return LinuxKernel.efault }
        let into = number == 65 || number == 69 || number == 286
        var pieces: [(base: Int, length: Int)] = []
        for i in 0..<Int(a[2]) {
            let base = LinuxKernel.word(vector, 2 * i), length = LinuxKernel.word(vector, 2 * i + 1)
            guard length <= LinuxKernel.maximumBuffer else { return -HostSystemCall.EINVAL }
            guard length > 0 else { continue }
            let mapped = memory.withHostPieces(base, count: Int(length), write: into) { host, n in
                pieces.append((Int(bitPattern: host), n))
                return true
            }
            guard mapped else { return LinuxKernel.efault }
        }
        // More host pieces than one call takes: the first 1024, a short count, as Linux may give.
        if pieces.count > 1024 { pieces.removeLast(pieces.count - 1024) }
        var iovecs = pieces.flatMap { [$0.base, $0.length] }
        if iovecs.isEmpty { iovecs = [0, 0] }
        // SAFETY: each iovec points into a page of the program's that withHostPieces checked for
        // the access; `iovecs` lives through the call, made inside the closure.
        return iovecs.withUnsafeBytes {
            HostSystemCall.invoke(SystemCallTable.host(number), Int(Int32(truncatingIfNeeded: a[0])), Int(bitPattern: $0.baseAddress),
                                  pieces.count, Int(bitPattern: UInt(a[3])), 0, Int(a[5] & 0xFFFF_FFFF))
        }
    }

    func open(_ a: [UInt64]) -> Int {
        guard var path = memory.bytes(ofString: a[1]) else { return LinuxKernel.efault }
        if path.first == UInt8(ascii: "/"), let contents = machineFile(SystemCallPolicy.normalize(path)) {
            guard a[2] & 3 == 0 else { return -HostSystemCall.EACCES }  // read-only, as Linux's are
            return openMemoryFile(contents, flags: a[2])
        }
        path = path == LinuxKernel.selfExecutable ? executablePath : sysroot.hostPath(path)
        // SAFETY: the path is NUL-terminated and lives through the call, made inside the closure.
        return (path + [0]).withUnsafeBytes {
            HostSystemCall.invoke(SystemCallTable.host(56), Int(Int32(truncatingIfNeeded: a[0])), Int(bitPattern: $0.baseAddress),
                                  Int(Int32(truncatingIfNeeded: a[2])), Int(a[3] & 0o7777))
        }
    }

    func readLink(_ a: [UInt64]) -> Int {
        guard var path = memory.bytes(ofString: a[1]) else { return LinuxKernel.efault }
        var target: [UInt8]
        if path == LinuxKernel.selfExecutable {
            target = executablePath
        } else {
            switch LinuxKernel.hostLink(sysroot.hostPath(path), directory: Int(Int32(truncatingIfNeeded: a[0]))) {
            case let .success(bytes): target = bytes
            case let .failure(error): return error.result
            }
        }
        let count = min(target.count, Int(min(a[3], 4096)))
        return memory.write(Array(target[0..<count]), at: a[2]) ? count : LinuxKernel.efault
    }

    /// newfstatat and fstat, through the host's statx.
    func status(_ number: Int, _ a: [UInt64]) -> Int {
        let directory = Int(Int32(truncatingIfNeeded: a[0]))
        let (r, status): (Int, HostStatus)
        if number == 80 {
            (r, status) = HostStatus.statx(directory: directory, path: [], flags: HostStatus.emptyPath)
        } else {
            guard var path = memory.bytes(ofString: a[1]) else { return LinuxKernel.efault }
            path = path == LinuxKernel.selfExecutable ? executablePath : sysroot.hostPath(path)
            (r, status) = HostStatus.statx(directory: directory, path: path, flags: Int(a[3] & 0xFFFF))
        }
        guard r == 0 else { return r }
        return memory.write(status.riscvStat, at: number == 80 ? a[1] : a[2]) ? 0 : LinuxKernel.efault
    }

    /// ioctl: the terminal requests, whose numbers and structures riscv64 shares with
    /// x86_64 (asm-generic termbits), and the socket ones of `SocketControl`; anything
    /// else is ENOTTY, as for a device that does not know the request.
    func inputOutputControl(_ a: [UInt64]) -> Int {
        let request = a[1] & 0xFFFF_FFFF
        guard let argument = TerminalControl.requests[request] ?? SocketControl.requests[request] else { return -HostSystemCall.ENOTTY }
        return forward(PassThrough(hostNumber: SystemCallTable.host(29), arguments: [.value, .value, argument]), a)
    }

    /// fcntl: record locks carry a `struct flock` (the same 32 bytes on both); the rest are integers.
    func fileControl(_ a: [UInt64]) -> Int {
        let locks: Set<UInt64> = [5, 6, 7, 36, 37, 38]  // F_GETLK, F_SETLK, F_SETLKW, F_OFD_*
        let argument: ArgumentKind = locks.contains(a[1]) ? .inputOutput(.bytes(32)) : .value
        return forward(PassThrough(hostNumber: SystemCallTable.host(25), arguments: [.value, .value, argument]), a)
    }

    /// uname: the host's, except that the machine is riscv64.
    func unixName(_ a: [UInt64]) -> Int {
        var name = [UInt8](repeating: 0, count: 65 * 6)
        // SAFETY: `name` is the 6 * 65 bytes of `struct new_utsname` uname writes, inside the closure.
        let r = name.withUnsafeMutableBytes { HostSystemCall.invoke(SystemCallTable.host(160), Int(bitPattern: $0.baseAddress)) }
        guard r == 0 else { return r }
        let machine = Array("riscv64".utf8)
        name.replaceSubrange(65 * 4..<65 * 5, with: machine + [UInt8](repeating: 0, count: 65 - machine.count))
        return memory.write(name, at: a[0]) ? 0 : LinuxKernel.efault
    }

    /// The absolute, lexically normalized path a call names (for policies), if it names one.
    func absolutePath(of number: Int, _ a: [UInt64]) -> [UInt8]? {
        let index: Int
        switch number {
        case 56, 78, 79: index = 1
        case 221: index = 0
        default:
            guard let arguments = SystemCallTable.entries[number]?.passThrough?.arguments,
                  let found = arguments.firstIndex(where: { if case .path = $0 { return true }; if case .optionalPath = $0 { return true }; return false })
            else { return nil }
            index = found
        }
        guard a[index] != 0, let path = memory.bytes(ofString: a[index]) else { return nil }
        var base: [UInt8] = []
        if path.first != UInt8(ascii: "/") {
            // Relative: to the directory descriptor before it (the *at calls), else the working directory.
            let directory = index > 0 && number != 49 && number != 45 ? Int(Int32(truncatingIfNeeded: a[index - 1])) : LinuxKernel.atFDCWD
            let link = directory == LinuxKernel.atFDCWD ? Array("/proc/self/cwd".utf8) : Array("/proc/self/fd/\(directory)".utf8)
            guard case let .success(target) = LinuxKernel.hostLink(link), !target.isEmpty else { return nil }
            base = target
        }
        return SystemCallPolicy.normalize(base + [UInt8(ascii: "/")] + path)
    }

    /// A host errno as a system call's result.
    struct HostErrno: Error { let result: Int }

    /// Where a host symbolic link points (readlinkat), relative to `directory`.
    static func hostLink(_ path: [UInt8], directory: Int = atFDCWD) -> Result<[UInt8], HostErrno> {
        var target = [UInt8](repeating: 0, count: 4096)
        // SAFETY: the path is NUL-terminated; readlinkat writes at most $0.count bytes of `target`;
        // both live through the call, made inside the closures.
        let r = (path + [0]).withUnsafeBytes { p in
            target.withUnsafeMutableBytes {
                HostSystemCall.invoke(SystemCallTable.host(78), directory, Int(bitPattern: p.baseAddress), Int(bitPattern: $0.baseAddress), $0.count)
            }
        }
        return r >= 0 ? .success(Array(target[0..<r])) : .failure(HostErrno(result: r))
    }
}
