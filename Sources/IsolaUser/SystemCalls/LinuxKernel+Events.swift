import IsolaHost

/// epoll, whose `struct epoll_event` riscv64 lays out as 16 bytes (events, 4 bytes of
/// padding, data) and x86-64 as 12, packed; the rest of the event calls pass through.
extension LinuxKernel {
    static let guestEventSize = 16
    #if arch(x86_64)
    static let hostEventSize = 12
    #else
    static let hostEventSize = 16
    #endif
    /// More events than any program asks for at once; larger requests are EINVAL.
    static let maximumEvents = 1 << 16

    /// epoll_ctl(epfd, op, fd, event): the event repacked for the host (EPOLL_CTL_DEL may pass NULL).
    func epollControl(_ a: [UInt64]) -> Int {
        var event = [UInt8](repeating: 0, count: LinuxKernel.hostEventSize)
        if a[3] != 0 {
            guard let guest = memory.read(a[3], count: LinuxKernel.guestEventSize) else { return LinuxKernel.efault }
            event[0..<4] = guest[0..<4]
            event[(LinuxKernel.hostEventSize - 8)...] = guest[8..<16]
        }
        // SAFETY: `buffer` is the event's own bytes, alive for the call.
        return event.withUnsafeMutableBytes { buffer in
            HostSystemCall.invoke(SystemCallTable.host(21), Int(Int32(truncatingIfNeeded: a[0])), Int(Int32(truncatingIfNeeded: a[1])),
                                  Int(Int32(truncatingIfNeeded: a[2])), a[3] == 0 ? 0 : Int(bitPattern: buffer.baseAddress))
        }
    }

    /// epoll_pwait (22: a timeout in ms) and epoll_pwait2 (441: a timespec, NULL to wait
    /// forever). The signal mask argument is not passed: the monitor keeps the program's
    /// mask itself, and the wait is interrupted by what the program catches.
    func epollWait(_ number: Int, _ a: [UInt64]) -> Int {
        let maximum = Int(Int32(truncatingIfNeeded: a[2]))
        guard maximum > 0, maximum <= LinuxKernel.maximumEvents else { return -HostSystemCall.EINVAL }
        let guestBytes = maximum * LinuxKernel.guestEventSize
        guard memory.withHostPieces(a[1], count: guestBytes, write: true, { _, _ in true }) else { return LinuxKernel.efault }
        var timeout = [UInt8](repeating: 0, count: 16)
        if number == 441, a[3] != 0 {
            guard let given = memory.read(a[3], count: 16) else { return LinuxKernel.efault }
            timeout = given
        }
        var events = [UInt8](repeating: 0, count: maximum * LinuxKernel.hostEventSize)
        // SAFETY: both buffers are this function's arrays, alive for the call, of the sizes passed.
        let result = events.withUnsafeMutableBytes { buffer in
            timeout.withUnsafeMutableBytes { time in
                HostSystemCall.invoke(SystemCallTable.host(number), Int(Int32(truncatingIfNeeded: a[0])), Int(bitPattern: buffer.baseAddress), maximum,
                                      number == 22 ? Int(Int32(truncatingIfNeeded: a[3])) : (a[3] == 0 ? 0 : Int(bitPattern: time.baseAddress)), 0, 8)
            }
        }
        guard result > 0 else { return result }
        var out = [UInt8](repeating: 0, count: result * LinuxKernel.guestEventSize)
        for i in 0..<result {
            let from = i * LinuxKernel.hostEventSize, to = i * LinuxKernel.guestEventSize
            out[to..<(to + 4)] = events[from..<(from + 4)]
            out[(to + 8)..<(to + 16)] = events[(from + LinuxKernel.hostEventSize - 8)..<(from + LinuxKernel.hostEventSize)]
        }
        return memory.write(out, at: a[1]) ? result : LinuxKernel.efault
    }
}
