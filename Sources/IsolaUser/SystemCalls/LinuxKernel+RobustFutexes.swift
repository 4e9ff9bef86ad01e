import Atomics
import IsolaHost

/// Robust futexes (Documentation/locking/robust-futex-ABI.rst): a thread registers the
/// head of a list of the mutexes it holds; when it dies holding one, the kernel marks
/// the futex word FUTEX_OWNER_DIED and wakes a waiter, so the next locker gets
/// EOWNERDEAD instead of waiting forever. The host kernel walks only the host's own
/// lists, so the process VM walks the program's, in the program's memory.
extension LinuxKernel {
    /// sizeof(struct robust_list_head): next, futex_offset, list_op_pending.
    static let robustListHeadSize: UInt64 = 24
    static let futexWaiters: UInt32 = 0x8000_0000, futexOwnerDied: UInt32 = 0x4000_0000, futexTIDMask: UInt32 = 0x3FFF_FFFF

    func setRobustList(_ a: [UInt64], on thread: UserThread) -> Int {
        guard a[1] == LinuxKernel.robustListHeadSize else { return -HostSystemCall.EINVAL }
        thread.robustList = a[0]
        return 0
    }

    /// get_robust_list(pid, head_ptr, len_ptr): the calling thread's, or another of this program's.
    func robustList(_ a: [UInt64], on thread: UserThread) -> Int {
        let tid = Int(Int32(truncatingIfNeeded: a[0]))
        let target: UserThread? = tid == 0 || tid == thread.tid ? thread : lock.withLock { threads[tid] }
        guard let target else { return -HostSystemCall.ESRCH }
        guard memory.write(LinuxKernel.words([target.robustList]), at: a[1]),
              memory.write(LinuxKernel.words([LinuxKernel.robustListHeadSize]), at: a[2]) else { return LinuxKernel.efault }
        return 0
    }

    /// Walks the dying thread's robust list as Linux's exit_robust_list does: each futex
    /// it still owns, and the one it was taking or releasing (list_op_pending), is
    /// marked owner-died and woken. At most 2048 entries (ROBUST_LIST_LIMIT), so a
    /// circular list cannot hold the thread up.
    func releaseRobustFutexes(of thread: UserThread) {
        let head = thread.robustList
        thread.robustList = 0
        guard head != 0, let words = memory.read(head, count: 24) else { return }
        let offset = LinuxKernel.word(words, 1)
        var entry = LinuxKernel.word(words, 0)
        let pending = LinuxKernel.word(words, 2)
        var limit = 2048
        while entry & ~1 != head && limit > 0 {
            guard let next = memory.read(entry & ~1, count: 8) else { break }
            if entry & ~1 != pending & ~1 { releaseFutex(at: (entry & ~1) &+ offset, priorityInheriting: entry & 1 != 0, pending: false, tid: thread.tid) }
            entry = LinuxKernel.word(next, 0)
            limit -= 1
        }
        if pending & ~1 != 0 {
            releaseFutex(at: (pending & ~1) &+ offset, priorityInheriting: pending & 1 != 0, pending: true, tid: thread.tid)
        }
    }

    /// handle_futex_death: owner-died on a word the thread owns, and a waiter woken. A
    /// priority-inheriting futex's waiters are the host kernel's to hand over (it keeps
    /// their state, and the owner's tid is the host thread's own).
    private func releaseFutex(at address: UInt64, priorityInheriting: Bool, pending: Bool, tid: Int) {
        guard address % 4 == 0, let word = memory.hostAddress(address, write: true) else { return }
        // SAFETY: a 4-byte aligned word of a writable page of the program's, checked just above.
        let atomic = UnsafeAtomic<UInt32>(at: word.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
        var value = atomic.load(ordering: .acquiring)
        if pending && !priorityInheriting && value == 0 {
            _ = futex([address, 1, 1, 0, 0, 0])
            return
        }
        while value & LinuxKernel.futexTIDMask == UInt32(truncatingIfNeeded: tid) {
            let marked = (value & LinuxKernel.futexWaiters) | LinuxKernel.futexOwnerDied
            let (exchanged, original) = atomic.compareExchange(expected: value, desired: marked, ordering: .acquiringAndReleasing)
            if exchanged {
                if !priorityInheriting && value & LinuxKernel.futexWaiters != 0 { _ = futex([address, 1, 1, 0, 0, 0]) }
                return
            }
            value = original
        }
    }
}
