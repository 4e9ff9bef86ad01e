import Atomics
import IsolaHost

/// vfork's promise kept across a host fork. Linux's vfork child runs in its parent's
/// memory while the parent waits, until the child execs or exits; posix_spawn relies
/// on it to report an exec failure in a variable of the parent's. The process VM's
/// child is a host fork with a copy of the memory, so it hands back what it wrote:
/// after the fork the child clears its pages' dirty bits; at its exec or exit it
/// sends every page it dirtied through memory shared with the parent (not the
/// program's), which writes them into its own pages and only then goes on. A child
/// killed first ends the wait too (waitid with WNOWAIT, which leaves it to be reaped).
final class VforkChannel {
    /// Pages per round: the first page holds the state, the count and the addresses.
    static let capacity = 511
    enum State: UInt32 { case running = 0, pagesReady = 1, pagesTaken = 2, done = 3 }

    let area: HostSharedMemory

    init?() {
        guard let area = HostSharedMemory(byteCount: Int(UserMemory.pageSize) * (VforkChannel.capacity + 1)) else { return nil }
        self.area = area
    }

    private var state: UnsafeAtomic<UInt32> {
        // SAFETY: the first 4 bytes of the shared area, 4-byte aligned (page-aligned base), alive with `area`.
        UnsafeAtomic(at: area.base.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    }

    private var count: UnsafeMutablePointer<UInt32> {
        // SAFETY: bytes 4..<8 of the shared area, written by the child before it publishes `state`.
        (area.base + 4).assumingMemoryBound(to: UInt32.self)
    }

    private func address(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        // SAFETY: index < capacity, so 8 + 8 * index + 8 <= 4096: inside the first page.
        (area.base + 8 + 8 * index).assumingMemoryBound(to: UInt64.self)
    }

    private func page(_ index: Int) -> UnsafeMutableRawPointer { area.base + Int(UserMemory.pageSize) * (index + 1) }

    private func wait(while value: UInt32, milliseconds: Int) {
        var timeout = (seconds: 0, nanoseconds: milliseconds * 1_000_000)
        // SAFETY: the futex word is the shared state; the timespec is this frame's, alive through the call.
        _ = withUnsafeMutableBytes(of: &timeout) {
            HostSystemCall.invoke(SystemCallTable.host(98), Int(bitPattern: area.base), 0, Int(value), Int(bitPattern: $0.baseAddress))  // FUTEX_WAIT
        }
    }

    private func wake() {
        _ = HostSystemCall.invoke(SystemCallTable.host(98), Int(bitPattern: area.base), 1, Int(Int32.max))  // FUTEX_WAKE
    }

    /// The child, at its exec or exit: every page it wrote goes to the parent.
    func sendWrittenPages(of memory: UserMemory) {
        let pages = memory.dirtyPages()
        var index = 0
        while true {
            let chunk = pages[index..<min(index + VforkChannel.capacity, pages.count)]
            var sent = 0
            for va in chunk {
                guard let bytes = memory.readIgnoringProtection(va, count: Int(UserMemory.pageSize)) else { continue }
                // SAFETY: slot `sent` < capacity of the shared area's first page (see `address`).
                address(sent).pointee = va
                // SAFETY: a page of the shared area (sent < capacity) and the page's 4096 bytes just read.
                bytes.withUnsafeBytes { if let base = $0.baseAddress { page(sent).copyMemory(from: base, byteCount: bytes.count) } }
                sent += 1
            }
            count.pointee = UInt32(sent)
            index += chunk.count
            let last = index >= pages.count
            state.store((last ? State.done : State.pagesReady).rawValue, ordering: .releasing)
            wake()
            if last { return }
            while state.load(ordering: .acquiring) == State.pagesReady.rawValue { wait(while: State.pagesReady.rawValue, milliseconds: 100) }
        }
    }

    /// The parent, right after the fork: waits for the child's pages (or its death)
    /// and writes them into its own memory.
    func receiveWrittenPages(into memory: UserMemory, child pid: Int) {
        while true {
            let seen = state.load(ordering: .acquiring)
            if seen == State.pagesReady.rawValue || seen == State.done.rawValue {
                // SAFETY: the count and addresses lie in the shared area's first page, the pages
                // after it; the count is clamped to the capacity, whatever the child wrote.
                for i in 0..<min(Int(count.pointee), VforkChannel.capacity) {
                    let bytes = [UInt8](UnsafeRawBufferPointer(start: page(i), count: Int(UserMemory.pageSize)))
                    _ = memory.load(bytes[...], at: address(i).pointee)
                }
                if seen == State.done.rawValue { return }
                state.store(State.pagesTaken.rawValue, ordering: .releasing)
                wake()
                continue
            }
            wait(while: seen, milliseconds: 50)
            if state.load(ordering: .acquiring) == seen && VforkChannel.hasEnded(pid) { return }
        }
    }

    /// Whether the child has exited or was killed, without reaping it (or it is gone).
    static func hasEnded(_ pid: Int) -> Bool {
        var information = [UInt8](repeating: 0, count: 128)
        // SAFETY: `information` is the 128-byte siginfo waitid fills, alive through the call inside the closure.
        let r = information.withUnsafeMutableBytes {
            HostSystemCall.invoke(SystemCallTable.host(95), 1, pid, Int(bitPattern: $0.baseAddress), 4 | 1 | 0x0100_0000, 0)  // P_PID; WEXITED|WNOHANG|WNOWAIT
        }
        guard r == 0 else { return true }  // ECHILD: reaped already (SIGCHLD ignored)
        return information[16..<20] != [0, 0, 0, 0]  // si_pid (after signo, errno, code and a pad): set once it has ended
    }
}
