import IsolaCore
import IsolaHost
import IsolaRISCV

/// The process VM's kernel: answers the program's `ecall`s by translating riscv64
/// Linux system calls to the host's, and turns its faults into signals. Every
/// pointer argument is checked against the program's own mappings (EFAULT
/// otherwise), so no system call reaches memory the program does not own.
public final class LinuxKernel: EnvironmentCallHandler, ExceptionHandler {
    let memory: UserMemory
    var programBreak: UInt64
    let breakStart: UInt64
    /// Anonymous mappings are placed downwards from here (below the stack).
    var mmapCursor: UInt64 = ProgramLoader.stackTop - (1 << 30)
    /// Set when the program ends: an exit status, or the signal that killed it.
    public private(set) var exitStatus: Int32?
    public private(set) var terminatingSignal: Int32?
    /// Prints each system call and its result to `trace` (`--strace`).
    public var trace: HostOutput?
    /// System calls the monitor refuses with EPERM (`--deny-syscall`), by number.
    public private(set) var denied: Set<Int> = []

    /// Refuses a system call by its riscv64 Linux name; false for a name Isola does not know.
    public func deny(_ name: String) -> Bool {
        guard let number = SystemCallNumber.number(named: name) else { return false }
        denied.insert(number)
        return true
    }

    init(memory: UserMemory, programBreak: UInt64) {
        self.memory = memory
        self.programBreak = programBreak
        breakStart = programBreak
    }

    public func handleEnvironmentCall(hart: Hart, from privilege: PrivilegeMode) -> Bool {
        let number = Int(hart.x[17])
        let a = (0..<6).map { hart.x[10 + $0] }
        let refused = denied.contains(number)
        let result = refused ? -HostSystemCall.EPERM : systemCall(number, a, hart: hart)
        if let trace {
            let arguments = a.prefix(3).map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
            trace.write("\(SystemCallNumber.name(number))(\(arguments)) = \(result)\(refused ? " (denied)" : "")\n")
        }
        hart.x[10] = UInt64(bitPattern: Int64(result))
        return true
    }

    public func handleException(hart: Hart, cause: UInt64, tval: UInt64) {
        // No handlers yet: a fault ends the program the way Linux's default action does.
        guard terminatingSignal == nil && exitStatus == nil else {
            hart.pc = 0  // already ending: stay on a faulting address until the block ends
            return
        }
        let signal: Int32
        switch cause {
        case 2: signal = 4          // illegal instruction: SIGILL
        case 3: signal = 5          // breakpoint: SIGTRAP
        case 0, 4, 6: signal = 7    // misaligned: SIGBUS
        default: signal = 11        // access and page faults: SIGSEGV
        }
        trace?.write("--- signal \(signal) at pc 0x\(String(hart.pc, radix: 16)) (cause \(cause), address 0x\(String(tval, radix: 16))) ---\n")
        terminatingSignal = signal
        hart.machine.stop()
        hart.pc = 0
    }

    static let atFDCWD = -100

    func path(_ address: UInt64) -> String? { memory.string(at: address) }

    func systemCall(_ number: Int, _ a: [UInt64], hart: Hart) -> Int {
        let fd = Int32(truncatingIfNeeded: a[0])
        let efault = -HostSystemCall.EFAULT
        switch number {
        case 63, 67:  // read, pread64
            return transfer(a[1], a[2], intoProgram: true) { host, n, done in
                number == 63 ? HostSystemCall.read(fd, host, n) : HostSystemCall.pread(fd, host, n, Int64(bitPattern: a[3]) + Int64(done))
            }
        case 64, 68:  // write, pwrite64
            return transfer(a[1], a[2], intoProgram: false) { host, n, done in
                number == 64 ? HostSystemCall.write(fd, host, n) : HostSystemCall.pwrite(fd, host, n, Int64(bitPattern: a[3]) + Int64(done))
            }
        case 65, 66:  // readv, writev
            guard a[2] <= 1024, let vector = memory.read(a[1], count: Int(a[2]) * 16) else { return efault }
            var total = 0
            for i in 0..<Int(a[2]) {
                let base = vector.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self) }
                let length = vector.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self) }
                guard length > 0 else { continue }
                let r = systemCall(number == 65 ? 63 : 64, [a[0], base, length, 0, 0, 0], hart: hart)
                if r < 0 { return total > 0 ? total : r }
                total += r
                if r < Int(length) { break }
            }
            return total
        case 56:  // openat
            guard let p = path(a[1]) else { return efault }
            return HostSystemCall.openat(Int32(truncatingIfNeeded: a[0]), p, Int32(truncatingIfNeeded: a[2]), UInt32(truncatingIfNeeded: a[3]))
        case 57:
            // The program's own standard streams stay open for Isola's messages.
            return fd <= 2 ? 0 : HostSystemCall.close(fd)
        case 62: return HostSystemCall.lseek(fd, Int64(bitPattern: a[1]), Int32(truncatingIfNeeded: a[2]))
        case 23: return HostSystemCall.dup(fd)
        case 24: return HostSystemCall.dup3(fd, Int32(truncatingIfNeeded: a[1]), Int32(truncatingIfNeeded: a[2]))
        case 25: return HostSystemCall.fcntl(fd, Int32(truncatingIfNeeded: a[1]), Int(bitPattern: UInt(a[2])))
        case 59:
            let (r, read, write) = HostSystemCall.pipe2(Int32(truncatingIfNeeded: a[1]))
            guard r == 0 else { return r }
            var bytes: [UInt8] = []
            withUnsafeBytes(of: read.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: write.littleEndian) { bytes += $0 }
            return memory.write(bytes, at: a[0]) ? 0 : efault
        case 61:
            // Into a host buffer, then copied: an entry may straddle the program's pages.
            var buffer = [UInt8](repeating: 0, count: Int(min(a[2], 1 << 20)))
            let total = buffer.withUnsafeMutableBytes { HostSystemCall.getdents64(fd, $0.baseAddress!, $0.count) }
            guard total > 0 else { return total }
            return memory.write(Array(buffer[0..<total]), at: a[1]) ? total : efault
        case 78:
            guard let p = path(a[1]) else { return efault }
            var buffer = [UInt8](repeating: 0, count: Int(min(a[3], 4096)))
            let r = buffer.withUnsafeMutableBytes { HostSystemCall.readlinkat(Int32(truncatingIfNeeded: a[0]), p, $0.baseAddress!, $0.count) }
            guard r > 0 else { return r }
            return memory.write(Array(buffer[0..<r]), at: a[2]) ? r : efault
        case 79, 80:  // newfstatat, fstat
            let (r, status): (Int, HostSystemCall.FileStatus?)
            if number == 80 {
                (r, status) = HostSystemCall.fstat(fd)
            } else {
                guard let p = path(a[1]) else { return efault }
                (r, status) = p.isEmpty && a[3] & 0x1000 != 0 ? HostSystemCall.fstat(fd)  // AT_EMPTY_PATH
                    : HostSystemCall.fstatat(fd, p, Int32(truncatingIfNeeded: a[3]))
            }
            guard let status else { return r }
            return memory.write(RISCVStat.encode(status), at: number == 80 ? a[1] : a[2]) ? 0 : efault
        case 48, 439:
            guard let p = path(a[1]) else { return efault }
            return HostSystemCall.faccessat(Int32(truncatingIfNeeded: a[0]), p, Int32(truncatingIfNeeded: a[2]), number == 439 ? Int32(truncatingIfNeeded: a[3]) : 0)
        case 34:
            guard let p = path(a[1]) else { return efault }
            return HostSystemCall.mkdirat(Int32(truncatingIfNeeded: a[0]), p, UInt32(truncatingIfNeeded: a[2]))
        case 35:
            guard let p = path(a[1]) else { return efault }
            return HostSystemCall.unlinkat(Int32(truncatingIfNeeded: a[0]), p, Int32(truncatingIfNeeded: a[2]))
        case 38, 276:
            guard let old = path(a[1]), let new = path(a[3]) else { return efault }
            if number == 276 && a[4] != 0 { return -HostSystemCall.EINVAL }
            return HostSystemCall.renameat(Int32(truncatingIfNeeded: a[0]), old, Int32(truncatingIfNeeded: a[2]), new)
        case 49:
            guard let p = path(a[0]) else { return efault }
            return HostSystemCall.chdir(p)
        case 17:
            guard let cwd = HostSystemCall.getcwd() else { return -HostSystemCall.ENOENT }
            let bytes = Array(cwd.utf8) + [0]
            guard UInt64(bytes.count) <= a[1] else { return -HostSystemCall.ERANGE }
            return memory.write(bytes, at: a[0]) ? bytes.count : efault
        case 29: return -HostSystemCall.ENOTTY  // no terminal control yet: programs fall back to plain output
        case 166: return HostSystemCall.umask(UInt32(truncatingIfNeeded: a[0]))
        case 93, 94:
            exitStatus = Int32(truncatingIfNeeded: a[0] & 0xFF)
            hart.machine.stop()
            return 0
        case 96, 178, 172: return HostSystemCall.processID
        case 173: return HostSystemCall.parentProcessID
        case 174, 175, 176, 177: return 0
        case 99, 134, 135, 124: return 0  // robust list, signal dispositions and masks: accepted
        case 293, 258: return -HostSystemCall.ENOSYS
        case 160:
            var bytes = [UInt8](repeating: 0, count: 65 * 6)
            for (i, field) in ["Linux", "isola", "6.1.0", "#1 Isola process VM", "riscv64", "(none)"].enumerated() {
                bytes.replaceSubrange(i * 65..<i * 65 + field.utf8.count, with: Array(field.utf8))
            }
            return memory.write(bytes, at: a[0]) ? 0 : efault
        case 113:
            let (r, seconds, nanoseconds) = HostSystemCall.clockTime(Int32(truncatingIfNeeded: a[0]))
            guard r == 0 else { return r }
            return memory.write(Self.words([UInt64(bitPattern: seconds), UInt64(bitPattern: nanoseconds)]), at: a[1]) ? 0 : efault
        case 169:
            let (_, seconds, nanoseconds) = HostSystemCall.clockTime(0)
            if a[0] != 0 && !memory.write(Self.words([UInt64(bitPattern: seconds), UInt64(bitPattern: nanoseconds / 1000)]), at: a[0]) { return efault }
            return 0
        case 101:
            guard let request = memory.read(a[0], count: 16) else { return efault }
            let words = request.withUnsafeBytes { (Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)), Int64(bitPattern: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
            return HostSystemCall.nanosleep(seconds: words.0, nanoseconds: words.1)
        case 278:
            var bytes = [UInt8](repeating: 0, count: Int(min(a[1], 1 << 20)))
            bytes.withUnsafeMutableBytes { HostRandom.fill($0) }
            return memory.write(bytes, at: a[0]) ? bytes.count : efault
        case 163, 261:  // getrlimit, prlimit64: report the stack and unlimited otherwise
            let resource = number == 163 ? a[0] : a[1]
            let out = number == 163 ? a[1] : a[3]
            guard out != 0 else { return 0 }
            let limit: UInt64 = resource == 3 ? ProgramLoader.stackSize : .max
            return memory.write(Self.words([limit, .max]), at: out) ? 0 : efault
        case 214: return programBreak(a[0])
        case 222: return mapAnonymous(a)
        case 215:
            guard a[0] % UserMemory.pageSize == 0 else { return -HostSystemCall.EINVAL }
            memory.unmap(a[0], length: (a[1] + UserMemory.pageSize - 1) & ~(UserMemory.pageSize - 1))
            hart.flushTranslations()
            return 0
        case 226:
            guard a[0] % UserMemory.pageSize == 0 else { return -HostSystemCall.EINVAL }
            let ok = memory.protect(a[0], length: (a[1] + UserMemory.pageSize - 1) & ~(UserMemory.pageSize - 1),
                                    protection: UserMemory.Protection(rawValue: (a[2] & 7) << 1))
            hart.flushTranslations()
            return ok ? 0 : -HostSystemCall.ENOMEM
        case 233: return 0  // madvise: advice only
        default:
            trace?.write("isola: unknown system call \(number) (\(SystemCallNumber.name(number)))\n")
            return -HostSystemCall.ENOSYS
        }
    }

    /// Moves up to `count` bytes between the program's memory at `address` and the host,
    /// one host call per page piece (`call` gets the piece and the bytes moved so far).
    /// Answers the bytes moved, a host error if nothing moved, or EFAULT for a bad buffer.
    func transfer(_ address: UInt64, _ count: UInt64, intoProgram: Bool,
                  _ call: (UnsafeMutableRawPointer, Int, Int) -> Int) -> Int {
        var total = 0
        var failure: Int?
        let mapped = memory.withHostPieces(address, count: Int(min(count, 1 << 30)), write: intoProgram) { host, n in
            let r = call(host, n, total)
            if r < 0 { failure = r; return false }
            total += r
            return r == n
        }
        if total > 0 { return total }
        return failure ?? (mapped ? 0 : -HostSystemCall.EFAULT)
    }

    static func words(_ values: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// brk: grows (or shrinks) the heap after the program's data; answers the current break.
    func programBreak(_ requested: UInt64) -> Int {
        let page = UserMemory.pageSize
        if requested >= breakStart && requested < breakStart + (1 << 32) {
            let oldEnd = (programBreak + page - 1) & ~(page - 1), newEnd = (requested + page - 1) & ~(page - 1)
            if newEnd > oldEnd {
                if memory.map(oldEnd, length: newEnd - oldEnd, protection: [.read, .write]) { programBreak = requested }
            } else {
                memory.unmap(newEnd, length: oldEnd - newEnd)
                programBreak = requested
            }
        }
        return Int(programBreak)
    }

    /// mmap: anonymous memory anywhere or at a fixed address; private file mappings are read in.
    func mapAnonymous(_ a: [UInt64]) -> Int {
        let page = UserMemory.pageSize
        let length = (a[1] + page - 1) & ~(page - 1)
        guard length > 0, length < 1 << 36 else { return -HostSystemCall.EINVAL }
        let flags = a[3], fixed = flags & 0x10 != 0, anonymous = flags & 0x20 != 0
        var address: UInt64
        if fixed {
            guard a[0] % page == 0 else { return -HostSystemCall.EINVAL }
            address = a[0]
            memory.unmap(address, length: length)
        } else {
            guard mmapCursor > length + breakStart + (1 << 32) else { return -HostSystemCall.ENOMEM }
            mmapCursor -= length
            address = mmapCursor
        }
        let protection = UserMemory.Protection(rawValue: (a[2] & 7) << 1)
        guard memory.map(address, length: length, protection: [.read, .write]) else { return -HostSystemCall.ENOMEM }
        if !anonymous {
            // The file's bytes are read in (a private copy); past its end the pages stay zero.
            let fd = Int32(truncatingIfNeeded: a[4])
            let read = transfer(address, a[1], intoProgram: true) { host, n, done in
                HostSystemCall.pread(fd, host, n, Int64(bitPattern: a[5]) + Int64(done))
            }
            guard read >= 0 else { memory.unmap(address, length: length); return read }
        }
        _ = memory.protect(address, length: length, protection: protection)
        return Int(address)
    }
}
