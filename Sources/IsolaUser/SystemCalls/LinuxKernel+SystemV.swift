import IsolaHost

/// System V IPC: message queues, semaphore sets and shared memory segments are the
/// host kernel's, so they are shared with every process that names the same key, as
/// Linux shares them. Their structures are asm-generic's on riscv64; x86-64 lays out
/// all but `semid64_ds` alike, which is translated. A segment is attached onto frames
/// of the program's address space (shmat with SHM_REMAP on the host), so the program's
/// loads and stores reach the segment itself.
extension LinuxKernel {
    /// IPC_64, which riscv64's libc may add to a command; the host's commands are 64-bit.
    static let ipc64: UInt64 = 0x100

    /// msgsnd(msqid, msgp, msgsz, msgflg): the message is its type (a long) and msgsz bytes.
    func sendQueueMessage(_ a: [UInt64]) -> Int {
        guard a[2] <= LinuxKernel.maximumBuffer else { return -HostSystemCall.EINVAL }
        guard let message = memory.read(a[1], count: Int(a[2]) + 8) else { return LinuxKernel.efault }
        // SAFETY: `message` holds msgsz + 8 bytes and lives through the call, made inside the closure.
        return message.withUnsafeBytes {
            HostSystemCall.invoke(SystemCallTable.host(189), Int(a[0] & 0xFFFF_FFFF), Int(bitPattern: $0.baseAddress), Int(a[2]), Int(a[3] & 0xFFFF_FFFF))
        }
    }

    /// msgrcv(msqid, msgp, msgsz, msgtyp, msgflg): the type and as many bytes as arrived are copied back.
    func receiveQueueMessage(_ a: [UInt64]) -> Int {
        guard a[2] <= LinuxKernel.maximumBuffer else { return -HostSystemCall.EINVAL }
        guard memory.withHostPieces(a[1], count: Int(a[2]) + 8, write: true, { _, _ in true }) else { return LinuxKernel.efault }
        var message = [UInt8](repeating: 0, count: Int(a[2]) + 8)
        // SAFETY: `message` holds msgsz + 8 bytes and lives through the call, made inside the closure.
        let r = message.withUnsafeMutableBytes {
            HostSystemCall.invoke(SystemCallTable.host(188), Int(a[0] & 0xFFFF_FFFF), Int(bitPattern: $0.baseAddress), Int(a[2]),
                                  Int(bitPattern: UInt(a[3])), Int(a[4] & 0xFFFF_FFFF))
        }
        guard r >= 0 else { return r }
        return memory.write(Array(message[0..<(r + 8)]), at: a[1]) ? r : LinuxKernel.efault
    }

    /// msgctl(msqid, cmd, buf): `msqid64_ds` (120 bytes) and `msginfo` are alike on both.
    func queueControl(_ a: [UInt64]) -> Int {
        let command = a[1] & ~LinuxKernel.ipc64
        let buffer: ArgumentKind
        switch command {
        case 0: buffer = .omitted                       // IPC_RMID
        case 1: buffer = .input(.bytes(120))            // IPC_SET
        case 2, 11, 13: buffer = .output(.bytes(120))   // IPC_STAT, MSG_STAT, MSG_STAT_ANY
        case 3, 12: buffer = .output(.bytes(32))        // IPC_INFO, MSG_INFO
        default: return -HostSystemCall.EINVAL
        }
        return forward(PassThrough(hostNumber: SystemCallTable.host(187), arguments: [.value, .value, buffer]), [a[0], command, a[2]])
    }

    /// shmctl(shmid, cmd, buf): `shmid64_ds` (112 bytes), `shminfo64` and `shm_info` are alike on both.
    func segmentControl(_ a: [UInt64]) -> Int {
        let command = a[1] & ~LinuxKernel.ipc64
        let buffer: ArgumentKind
        switch command {
        case 0, 11, 12: buffer = .omitted                // IPC_RMID, SHM_LOCK, SHM_UNLOCK
        case 1: buffer = .input(.bytes(112))             // IPC_SET
        case 2, 13, 15: buffer = .output(.bytes(112))    // IPC_STAT, SHM_STAT, SHM_STAT_ANY
        case 3: buffer = .output(.bytes(72))             // IPC_INFO
        case 14: buffer = .output(.bytes(48))            // SHM_INFO
        default: return -HostSystemCall.EINVAL
        }
        return forward(PassThrough(hostNumber: SystemCallTable.host(195), arguments: [.value, .value, buffer]), [a[0], command, a[2]])
    }

    /// The host's `shmid64_ds` of a segment: its size (shm_segsz) and key, or an errno.
    private func segmentStatus(_ identifier: Int) -> (size: UInt64, key: UInt32)? {
        var status = [UInt8](repeating: 0, count: 112)
        // SAFETY: `status` is the 112-byte shmid64_ds IPC_STAT fills, alive through the call inside the closure.
        let r = status.withUnsafeMutableBytes { HostSystemCall.invoke(SystemCallTable.host(195), identifier, 2, Int(bitPattern: $0.baseAddress)) }
        guard r >= 0 else { return nil }
        return (LinuxKernel.word(status, 6), UInt32(status[0]) | UInt32(status[1]) << 8 | UInt32(status[2]) << 16 | UInt32(status[3]) << 24)
    }

    /// shmat(shmid, shmaddr, shmflg): the segment's pages become the range's frames.
    func attachSegment(_ a: [UInt64]) -> Int {
        let identifier = Int(Int32(truncatingIfNeeded: a[0])), flags = a[2]
        let readOnly = flags & 0o10000 != 0, round = flags & 0o20000 != 0, replace = flags & 0o40000 != 0, execute = flags & 0o100000 != 0
        guard let (size, key) = segmentStatus(identifier) else {
            // The host's own answer for this identifier (EINVAL, EACCES, EIDRM).
            return HostSystemCall.invoke(SystemCallTable.host(196), identifier, -1, Int(flags))
        }
        let length = LinuxKernel.pageAligned(size)
        let address: UInt64? = lock.withLock {
            guard a[1] != 0 else { return freeRange(length) }
            let start = round ? a[1] & ~(LinuxKernel.page - 1) : a[1]
            guard start % LinuxKernel.page == 0, start < UserMemory.userLimit, length <= UserMemory.userLimit - start else { return nil }
            if !replace && memory.holdsMappings(start, length: length) { return nil }
            return start
        }
        guard let address else { return -HostSystemCall.EINVAL }
        var protection: UserMemory.Protection = readOnly ? [.read] : [.read, .write]
        if execute { protection.insert(.execute) }
        let error = memory.mapShared(address, length: length, protection: protection, backing: .segment(identifier: Int32(identifier), readOnly: readOnly))
        guard error == 0 else { return -Int(error) }
        lock.withLock {
            let hex = String(key, radix: 16)
            let name = "/SYSV" + String(repeating: "0", count: 8 - hex.count) + hex + " (deleted)"
            mappingNames.set(MappingName(start: address, end: address + length, name: Array(name.utf8), inode: UInt64(identifier)))
            attachedSegments[address] = length
        }
        flushAllThreads()
        return Int(address)
    }

    /// shmdt(shmaddr): the attachment that starts there goes, as an munmap of it.
    func detachSegment(_ a: [UInt64]) -> Int {
        guard let length = lock.withLock({ attachedSegments.removeValue(forKey: a[0]) }) else { return -HostSystemCall.EINVAL }
        memory.unmap(a[0], length: length)
        lock.withLock { mappingNames.remove(a[0], a[0] + length) }
        flushAllThreads()
        return 0
    }

    /// semctl(semid, semnum, cmd, arg): `arg` is a value, a `semid64_ds` (88 bytes on
    /// riscv64, 104 on x86-64), the set's values (GETALL, SETALL) or a `seminfo`.
    func semaphoreControl(_ a: [UInt64]) -> Int {
        let command = a[2] & ~LinuxKernel.ipc64
        let host = SystemCallTable.host(191)
        func call(_ argument: Int) -> Int { HostSystemCall.invoke(host, Int(a[0] & 0xFFFF_FFFF), Int(a[1] & 0xFFFF_FFFF), Int(command), argument) }
        switch command {
        case 0, 11, 12, 14, 15, 16:  // IPC_RMID, GETPID, GETVAL, GETNCNT, GETZCNT, SETVAL
            return call(Int(bitPattern: UInt(a[3])))
        case 2, 18, 20:  // IPC_STAT, SEM_STAT, SEM_STAT_ANY
            var status = [UInt8](repeating: 0, count: LinuxKernel.hostSemaphoreSetSize)
            // SAFETY: `status` is the host's semid64_ds, alive through the call inside the closure.
            let r = status.withUnsafeMutableBytes { call(Int(bitPattern: $0.baseAddress)) }
            guard r >= 0 else { return r }
            return memory.write(LinuxKernel.guestSemaphoreSet(fromHost: status), at: a[3]) ? r : LinuxKernel.efault
        case 1:  // IPC_SET
            guard let given = memory.read(a[3], count: 88) else { return LinuxKernel.efault }
            var status = LinuxKernel.hostSemaphoreSet(fromGuest: given)
            // SAFETY: as above.
            return status.withUnsafeMutableBytes { call(Int(bitPattern: $0.baseAddress)) }
        case 13, 17:  // GETALL, SETALL: nsems unsigned shorts
            var status = [UInt8](repeating: 0, count: LinuxKernel.hostSemaphoreSetSize)
            // SAFETY: `status` is the host's semid64_ds, alive through the call inside the closure.
            let r = status.withUnsafeMutableBytes { HostSystemCall.invoke(host, Int(a[0] & 0xFFFF_FFFF), 0, 2, Int(bitPattern: $0.baseAddress)) }
            guard r >= 0 else { return r }
            let count = Int(LinuxKernel.word(LinuxKernel.guestSemaphoreSet(fromHost: status), 8)) * 2  // sem_nsems
            if command == 13 {
                var values = [UInt8](repeating: 0, count: max(count, 1))
                // SAFETY: `values` holds nsems shorts, alive through the call inside the closure.
                let r = values.withUnsafeMutableBytes { call(Int(bitPattern: $0.baseAddress)) }
                guard r >= 0 else { return r }
                return memory.write(Array(values[0..<count]), at: a[3]) ? r : LinuxKernel.efault
            }
            guard let values = memory.read(a[3], count: count) else { return LinuxKernel.efault }
            // SAFETY: as above.
            return (values + [0, 0]).withUnsafeBytes { call(Int(bitPattern: $0.baseAddress)) }
        case 3, 19:  // IPC_INFO, SEM_INFO: struct seminfo, ten ints
            var info = [UInt8](repeating: 0, count: 40)
            // SAFETY: `info` is the 40-byte seminfo, alive through the call inside the closure.
            let r = info.withUnsafeMutableBytes { call(Int(bitPattern: $0.baseAddress)) }
            guard r >= 0 else { return r }
            return memory.write(info, at: a[3]) ? r : LinuxKernel.efault
        default:
            return -HostSystemCall.EINVAL
        }
    }

    #if arch(x86_64)
    /// x86-64's semid64_ds: ipc64_perm (48), sem_otime, a pad, sem_ctime, a pad, sem_nsems, two pads.
    static let hostSemaphoreSetSize = 104
    static func guestSemaphoreSet(fromHost host: [UInt8]) -> [UInt8] {
        var guest = [UInt8](repeating: 0, count: 88)
        guest[0..<56] = host[0..<56]     // sem_perm, sem_otime
        guest[56..<64] = host[64..<72]   // sem_ctime
        guest[64..<72] = host[80..<88]   // sem_nsems
        return guest
    }
    static func hostSemaphoreSet(fromGuest guest: [UInt8]) -> [UInt8] {
        var host = [UInt8](repeating: 0, count: 104)
        host[0..<56] = guest[0..<56]
        host[64..<72] = guest[56..<64]
        host[80..<88] = guest[64..<72]
        return host
    }
    #else
    /// An asm-generic host lays semid64_ds out as riscv64 does.
    static let hostSemaphoreSetSize = 88
    static func guestSemaphoreSet(fromHost host: [UInt8]) -> [UInt8] { host }
    static func hostSemaphoreSet(fromGuest guest: [UInt8]) -> [UInt8] { guest }
    #endif
}
