import IsolaHost

/// brk, mmap, munmap, mprotect and mremap over the program's page tables.
extension LinuxKernel {
    static let page = UserMemory.pageSize
    /// Where mappings the kernel places start, going down: 1 GiB below the stack.
    static let mmapTop = ProgramLoader.stackTop - (1 << 30)

    static func pageAligned(_ n: UInt64) -> UInt64 { (n &+ page &- 1) & ~(page - 1) }

    /// brk: grows (or shrinks) the heap after the program's data; answers the current
    /// break, and whether pages were unmapped (the caller then flushes every thread's
    /// translations). Called with `lock` held.
    func programBreak(_ requested: UInt64) -> (address: Int, unmapped: Bool) {
        var unmapped = false
        if requested >= breakStart && requested < breakStart + (1 << 32) {
            let oldEnd = LinuxKernel.pageAligned(programBreak), newEnd = LinuxKernel.pageAligned(requested)
            if newEnd > oldEnd {
                if memory.map(oldEnd, length: newEnd - oldEnd, protection: [.read, .write]) { programBreak = requested }
            } else {
                memory.unmap(newEnd, length: oldEnd - newEnd)
                unmapped = newEnd < oldEnd
                programBreak = requested
            }
        }
        return (Int(programBreak), unmapped)
    }

    /// mmap: anonymous memory anywhere or at a fixed address. A private file mapping
    /// is read in (a copy: the file's later changes do not show); a shared one
    /// (MAP_SHARED, anonymous or a file) is the host's shared mapping on the frames, so
    /// writes reach the file and the processes a fork made.
    func mapMemory(_ a: [UInt64]) -> Int {
        let length = LinuxKernel.pageAligned(a[1])
        guard a[1] > 0, length < 1 << 36 else { return -HostSystemCall.EINVAL }
        let flags = a[3], fixed = flags & 0x10 != 0, noReplace = flags & 0x100000 != 0, anonymous = flags & 0x20 != 0
        let sharing = flags & 3  // MAP_SHARED 1, MAP_PRIVATE 2, MAP_SHARED_VALIDATE 3
        guard sharing != 0 else { return -HostSystemCall.EINVAL }
        let protection = UserMemory.Protection(rawValue: (a[2] & 7) << 1)
        var backing: UserMemory.SharedBacking?
        if sharing != 2 {
            if anonymous {
                backing = .anonymous
            } else {
                guard a[5] % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
                let descriptor = Int(Int32(truncatingIfNeeded: a[4]))
                let status = HostSystemCall.invoke(SystemCallTable.host(25), descriptor, 3)  // F_GETFL
                guard status >= 0 else { return status }
                let access = status & 3  // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
                guard access != 1, access == 2 || !protection.contains(.write) else { return -HostSystemCall.EACCES }
                backing = .file(descriptor: Int32(descriptor), offset: a[5], writable: access == 2)
            }
        }
        let address: UInt64? = lock.withLock {
            if fixed || noReplace {
                guard a[0] % LinuxKernel.page == 0, a[0] < UserMemory.userLimit, length <= UserMemory.userLimit - a[0] else { return nil }
                if noReplace && memory.holdsMappings(a[0], length: length) {
                    return UInt64.max
                }
                if backing == nil { memory.unmap(a[0], length: length) }
                return a[0]
            }
            return freeRange(length)
        }
        guard let address else { return fixed ? -HostSystemCall.EINVAL : -HostSystemCall.ENOMEM }
        guard address != .max else { return -HostSystemCall.EEXIST }
        if let backing {
            if case .file = backing {
                lock.withLock {
                    guard !guardsSharedPages else { return }
                    memory.ram.guardSharedPages()
                    guardsSharedPages = true
                }
            }
            let error = memory.mapShared(address, length: length, protection: protection, backing: backing)
            guard error == 0 else { return -Int(error) }
        } else {
            guard memory.map(address, length: length, protection: [.read, .write]) else { return -HostSystemCall.ENOMEM }
            if !anonymous {
                // The file's bytes are read in; past its end the pages stay zero.
                let read = transfer(67, [a[4], address, a[1], a[5], 0, 0])
                guard read >= 0 else {
                    memory.unmap(address, length: length)
                    return read
                }
            }
            _ = memory.protect(address, length: length, protection: protection)
        }
        lock.withLock {
            mappingNames.remove(address, address + length)
            if !anonymous { nameFileMapping(address, length: length, descriptor: Int(Int32(truncatingIfNeeded: a[4])), offset: a[5]) }
        }
        if fixed { flushAllThreads() }
        return Int(address)
    }

    /// munmap, mprotect and mremap; every thread forgets its translations afterwards.
    func changeMapping(_ number: Int, _ a: [UInt64]) -> Int {
        guard a[0] % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
        let length = LinuxKernel.pageAligned(a[1])
        var result = 0
        switch number {
        case 215:
            memory.unmap(a[0], length: length)
            lock.withLock { mappingNames.remove(a[0], a[0] &+ length) }
        case 226:
            let protection = UserMemory.Protection(rawValue: (a[2] & 7) << 1)
            if protection.contains(.write) && memory.holdsReadOnlyFrames(a[0], length: length) { return -HostSystemCall.EACCES }
            result = memory.protect(a[0], length: length, protection: protection) ? 0 : -HostSystemCall.ENOMEM
        default:
            result = remap(a, oldLength: length)
        }
        flushAllThreads()
        return result
    }

    /// msync: shared pages are written back to their files; private ones have none.
    func synchronize(_ a: [UInt64]) -> Int {
        guard a[0] % LinuxKernel.page == 0, a[2] & ~7 == 0, a[2] & 5 != 5 else { return -HostSystemCall.EINVAL }  // MS_ASYNC|MS_SYNC
        let length = LinuxKernel.pageAligned(a[1])
        guard memory.isMapped(a[0], length: length) else { return -HostSystemCall.ENOMEM }
        return -Int(memory.synchronize(a[0], length: length, flags: Int32(a[2])))
    }

    /// mincore: a byte per page, 1 for every mapped page (the frames the program has are
    /// the monitor's to keep resident); ENOMEM for a range with a hole.
    func residency(_ a: [UInt64]) -> Int {
        guard a[0] % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
        let pages = Int(min(LinuxKernel.pageAligned(a[1]) / LinuxKernel.page, LinuxKernel.maximumBuffer))
        var vector = [UInt8](repeating: 1, count: pages)
        for i in 0..<pages where !memory.isMapped(a[0] &+ UInt64(i) * LinuxKernel.page) {
            vector[i] = 0
            return -HostSystemCall.ENOMEM
        }
        return memory.write(vector, at: a[2]) ? 0 : LinuxKernel.efault
    }

    /// madvise: MADV_DONTNEED and MADV_FREE give private pages back (they read as
    /// zeros after, as anonymous memory does on Linux); other advice changes nothing.
    func advise(_ a: [UInt64]) -> Int {
        guard a[0] % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
        let length = LinuxKernel.pageAligned(a[1])
        if a[2] == 4 || a[2] == 8 {
            memory.discardPrivate(a[0], length: length)
        }
        return 0
    }

    /// mremap: shrinks in place, grows in place when the pages after are free, or
    /// moves the frames elsewhere (MREMAP_MAYMOVE) or to a fixed address (MREMAP_FIXED).
    private func remap(_ a: [UInt64], oldLength: UInt64) -> Int {
        let newLength = LinuxKernel.pageAligned(a[2]), flags = a[3]
        let mayMove = flags & 1 != 0, fixed = flags & 2 != 0
        guard newLength > 0, newLength < 1 << 36, !fixed || mayMove else { return -HostSystemCall.EINVAL }
        guard memory.isMapped(a[0], length: oldLength) else {
            return -HostSystemCall.EFAULT
        }
        guard let protection = memory.protection(of: a[0]) else { return -HostSystemCall.EFAULT }
        if memory.sharedRun(a[0], length: oldLength) != nil { return remapShared(a, oldLength: oldLength, newLength: newLength) }
        if !fixed {
            if newLength <= oldLength {
                memory.unmap(a[0] + newLength, length: oldLength - newLength)
                return Int(a[0])
            }
            let tail = a[0] + oldLength
            if hasRoomAfter(a[0], oldLength: oldLength, newLength: newLength) {
                return memory.map(tail, length: newLength - oldLength, protection: protection) ? Int(a[0]) : -HostSystemCall.ENOMEM
            }
            guard mayMove else { return -HostSystemCall.ENOMEM }
        }
        let target: UInt64? = fixed ? a[4] : lock.withLock { freeRange(newLength) }
        guard let target, target % LinuxKernel.page == 0 else { return -HostSystemCall.ENOMEM }
        let moved = min(oldLength, newLength)
        guard memory.move(from: a[0], length: moved, to: target) else { return -HostSystemCall.ENOMEM }
        memory.unmap(a[0], length: oldLength)
        lock.withLock { mappingNames.move(from: a[0], length: oldLength, to: target, newLength: newLength) }
        if newLength > moved && !memory.map(target + moved, length: newLength - moved, protection: protection) {
            return -HostSystemCall.ENOMEM
        }
        return Int(target)
    }

    /// Whether a mapping at `start` can grow from `oldLength` to `newLength` in place:
    /// the pages after it are free and inside the user space.
    private func hasRoomAfter(_ start: UInt64, oldLength: UInt64, newLength: UInt64) -> Bool {
        let tail = start + oldLength
        return tail + (newLength - oldLength) <= UserMemory.userLimit && !memory.holdsMappings(tail, length: newLength - oldLength)
    }

    /// mremap of a shared mapping: it shrinks in place; it grows in place when the pages
    /// after it are free, else moves (MREMAP_MAYMOVE, MREMAP_FIXED), its frames the
    /// host's same shared pages, extended by the host from the file or anonymous memory.
    private func remapShared(_ a: [UInt64], oldLength: UInt64, newLength: UInt64) -> Int {
        let flags = a[3], mayMove = flags & 1 != 0, fixed = flags & 2 != 0
        if !fixed && newLength <= oldLength {
            memory.unmap(a[0] + newLength, length: oldLength - newLength)
            lock.withLock { mappingNames.remove(a[0] + newLength, a[0] + oldLength) }
            return Int(a[0])
        }
        var target = a[0]
        if fixed {
            target = a[4]
        } else {
            if !hasRoomAfter(a[0], oldLength: oldLength, newLength: newLength) {
                guard mayMove, let placed = lock.withLock({ freeRange(newLength) }) else { return -HostSystemCall.ENOMEM }
                target = placed
            }
        }
        guard target % LinuxKernel.page == 0 else { return -HostSystemCall.EINVAL }
        let error = memory.moveShared(from: a[0], length: oldLength, to: target, newLength: newLength)
        guard error == 0 else { return -Int(error) }
        lock.withLock { mappingNames.move(from: a[0], length: oldLength, to: target, newLength: newLength) }
        return Int(target)
    }

    /// A free range of `length` bytes for a mapping the program let the kernel place
    /// (`lock` held): downwards from the cursor, stepping below anything mapped in
    /// the way, and once more from the top when the cursor has run down to the heap.
    func freeRange(_ length: UInt64) -> UInt64? {
        let floor = breakStart + (1 << 32)
        for start in [mmapCursor, LinuxKernel.mmapTop] {
            var candidate = start
            search: while candidate >= floor + length {
                var page = candidate - LinuxKernel.page
                while page >= candidate - length {
                    if memory.isMapped(page) {
                        candidate = page
                        continue search
                    }
                    page -= LinuxKernel.page
                }
                mmapCursor = candidate - length
                return mmapCursor
            }
        }
        return nil
    }
}
