import IsolaHost

/// signalfd: a descriptor from which the program reads the signals of a mask it blocks,
/// as `struct signalfd_siginfo` records (128 bytes, alike on every architecture). The
/// descriptor is the read end of a host pipe; when a thread of the program finds such a
/// signal pending (it blocks it, so nothing else takes it), the monitor takes it off the
/// pending set and writes its record into the pipe. So poll, epoll and a blocking read
/// work on it as the host's own descriptors do, with nothing to intercept.
extension LinuxKernel {
    /// signalfd4(fd, mask, sizemask, flags): a new descriptor (fd -1), or a new mask for one of ours.
    func signalDescriptor(_ a: [UInt64]) -> Int {
        let fd = Int(Int32(truncatingIfNeeded: a[0])), flags = a[3]
        guard a[2] == 8, flags & ~UInt64(0o4000 | 0o2000000) == 0 else { return -HostSystemCall.EINVAL }  // SFD_NONBLOCK, SFD_CLOEXEC
        guard let bytes = memory.read(a[1], count: 8) else { return LinuxKernel.efault }
        let mask = LinuxKernel.word(bytes, 0) & ~SignalActionTable.unblockable
        if fd != -1 {
            return lock.withLock {
                guard signalDescriptors[fd] != nil else { return -HostSystemCall.EINVAL }
                signalDescriptors[fd]?.mask = mask
                return fd
            }
        }
        var ends = [Int32](repeating: -1, count: 2)
        // SAFETY: pipe2 writes the two descriptors into `ends`, alive through the call inside the closure.
        let r = ends.withUnsafeMutableBytes {
            HostSystemCall.invoke(SystemCallTable.host(59), Int(bitPattern: $0.baseAddress), Int(flags & (0o4000 | 0o2000000)))
        }
        guard r == 0 else { return r }
        // The monitor's end never blocks it, and no program it execs inherits it.
        _ = HostSystemCall.invoke(SystemCallTable.host(25), Int(ends[1]), 4, 0o4000)  // F_SETFL O_NONBLOCK
        _ = HostSystemCall.invoke(SystemCallTable.host(25), Int(ends[1]), 2, 1)        // F_SETFD FD_CLOEXEC
        lock.withLock { signalDescriptors[Int(ends[0])] = (mask, Int(ends[1])) }
        return Int(ends[0])
    }

    /// Moves the pending signals that `thread` blocks and a signalfd asks for into that
    /// descriptor's pipe (called where the thread takes its host signals).
    func routeToSignalDescriptors(_ thread: UserThread) {
        let waiting = thread.pendingSignals & thread.signalMask
        guard waiting != 0 else { return }
        let targets = lock.withLock { Array(signalDescriptors.values) }
        guard !targets.isEmpty else { return }
        for signal in 1...64 where waiting & (1 << UInt64(signal - 1)) != 0 {
            guard let target = targets.first(where: { $0.mask & (1 << UInt64(signal - 1)) != 0 }) else { continue }
            var record = [UInt8](repeating: 0, count: 128)
            record[0] = UInt8(signal)  // ssi_signo; ssi_code SI_USER
            // SAFETY: the 128-byte record lives through the call, made inside the closure.
            let written = record.withUnsafeBytes { HostSystemCall.invoke(SystemCallTable.host(64), target.writer, Int(bitPattern: $0.baseAddress), 128) }
            if written == 128 { thread.pendingSignals &= ~(1 << UInt64(signal - 1)) }
        }
    }
}
