import IsolaHost

/// sendmsg, recvmsg, sendmmsg and recvmmsg. A `struct msghdr` holds the program's
/// pointers (the address, the iovec array, the ancillary data), so it is rebuilt on
/// the host over host buffers: the data of all iovecs in one buffer (one message, as
/// the program's scatter-gather list makes one), the address and the control data
/// copied as they are. riscv64 and x86-64 lay out msghdr, cmsghdr and what
/// SCM_RIGHTS and SCM_CREDENTIALS carry alike, and descriptors are the host's, so the
/// ancillary data needs no translation.
extension LinuxKernel {
    /// Linux's UIO_MAXIOV.
    static let maximumIOVectors = 1024
    /// Bounds on what one message may make Isola allocate.
    static let maximumMessageBytes = 64 << 20
    static let maximumControlBytes = 1 << 16
    static let messageHeaderSize = 56

    /// The program's msghdr at `address`, read and checked.
    private struct GuestMessage {
        var name: UInt64, nameLength: Int
        var vectors: [(base: UInt64, length: Int)]
        var control: UInt64, controlLength: Int
        var total: Int { vectors.reduce(0) { $0 + $1.length } }
    }

    private func readMessage(at address: UInt64) -> Result<GuestMessage, SystemCallFailure> {
        guard let header = memory.read(address, count: LinuxKernel.messageHeaderSize) else { return .failure(.init(LinuxKernel.efault)) }
        let name = LinuxKernel.word(header, 0), givenNameLength = Int(UInt32(truncatingIfNeeded: LinuxKernel.word(header, 1)))
        let vectorArray = LinuxKernel.word(header, 2), vectorCount = LinuxKernel.word(header, 3)
        let control = LinuxKernel.word(header, 4), controlLength = LinuxKernel.word(header, 5)
        guard vectorCount <= UInt64(LinuxKernel.maximumIOVectors) else { return .failure(.init(-HostSystemCall.EMSGSIZE)) }
        guard controlLength <= UInt64(LinuxKernel.maximumControlBytes) else { return .failure(.init(-HostSystemCall.ENOBUFS)) }
        let nameLength = min(givenNameLength, 128)  // sizeof(struct sockaddr_storage): Linux takes no more
        var vectors: [(UInt64, Int)] = []
        if vectorCount > 0 {
            guard let array = memory.read(vectorArray, count: Int(vectorCount) * 16) else { return .failure(.init(LinuxKernel.efault)) }
            var total: UInt64 = 0
            for i in 0..<Int(vectorCount) {
                let length = LinuxKernel.word(array, 2 * i + 1)
                total += min(length, UInt64(LinuxKernel.maximumMessageBytes) + 1)
                guard total <= UInt64(LinuxKernel.maximumMessageBytes) else { return .failure(.init(-HostSystemCall.EMSGSIZE)) }
                vectors.append((LinuxKernel.word(array, 2 * i), Int(length)))
            }
        }
        return .success(GuestMessage(name: name, nameLength: name == 0 ? 0 : nameLength, vectors: vectors,
                                     control: control, controlLength: control == 0 ? 0 : Int(controlLength)))
    }

    /// sendmsg(fd, msg, flags).
    func sendMessage(_ a: [UInt64]) -> Int {
        let message: GuestMessage
        switch readMessage(at: a[1]) {
        case let .success(read): message = read
        case let .failure(failure): return failure.result
        }
        var data: [UInt8] = []
        data.reserveCapacity(message.total)
        for vector in message.vectors where vector.length > 0 {
            guard let bytes = memory.read(vector.base, count: vector.length) else { return LinuxKernel.efault }
            data += bytes
        }
        guard var name = message.nameLength > 0 ? memory.read(message.name, count: message.nameLength) : [],
              var control = message.controlLength > 0 ? memory.read(message.control, count: message.controlLength) : [] else {
            return LinuxKernel.efault
        }
        return withHostMessage(data: &data, name: &name, control: &control) { header in
            HostSystemCall.invoke(SystemCallTable.host(211), Int(Int32(truncatingIfNeeded: a[0])), Int(bitPattern: header), Int(Int32(truncatingIfNeeded: a[2])))
        }.result
    }

    /// recvmsg(fd, msg, flags): the data scattered over the program's iovecs; the
    /// address, control data, their lengths and msg_flags written back.
    func receiveMessage(_ a: [UInt64]) -> Int {
        let message: GuestMessage
        switch readMessage(at: a[1]) {
        case let .success(read): message = read
        case let .failure(failure): return failure.result
        }
        for vector in message.vectors where vector.length > 0 {
            guard memory.withHostPieces(vector.base, count: vector.length, write: true, { _, _ in true }) else { return LinuxKernel.efault }
        }
        var data = [UInt8](repeating: 0, count: message.total)
        var name = [UInt8](repeating: 0, count: message.nameLength)
        var control = [UInt8](repeating: 0, count: message.controlLength)
        let (result, header) = withHostMessage(data: &data, name: &name, control: &control) { header in
            HostSystemCall.invoke(SystemCallTable.host(212), Int(Int32(truncatingIfNeeded: a[0])), Int(bitPattern: header), Int(Int32(truncatingIfNeeded: a[2])))
        }
        guard result >= 0 else { return result }
        var offset = 0
        for vector in message.vectors where offset < result && vector.length > 0 {
            let count = min(vector.length, result - offset)
            guard memory.write(Array(data[offset..<(offset + count)]), at: vector.base) else { return LinuxKernel.efault }
            offset += count
        }
        // The lengths the host left: the address's (which may exceed the buffer, as Linux
        // says), the control data's, and msg_flags; bytes beyond the program's buffers stay untouched.
        let nameLength = Int(UInt32(truncatingIfNeeded: LinuxKernel.word(header, 1)))
        let controlLength = Int(LinuxKernel.word(header, 5))
        if message.nameLength > 0, !memory.write(Array(name.prefix(min(nameLength, message.nameLength))), at: message.name) { return LinuxKernel.efault }
        if message.controlLength > 0, !memory.write(Array(control.prefix(min(controlLength, message.controlLength))), at: message.control) { return LinuxKernel.efault }
        var fields = LinuxKernel.littleEndian(UInt32(message.name == 0 ? 0 : nameLength))
        guard memory.write(fields, at: a[1] + 8) else { return LinuxKernel.efault }
        fields = LinuxKernel.words([UInt64(message.control == 0 ? 0 : min(controlLength, message.controlLength))])
        guard memory.write(fields, at: a[1] + 40), memory.write(Array(header[48..<52]), at: a[1] + 48) else { return LinuxKernel.efault }
        return result
    }

    /// sendmmsg and recvmmsg, one message at a time: the count of messages done, or
    /// the first error when none was. recvmmsg's timeout is not applied; MSG_WAITFORONE
    /// makes every message after the first non-blocking, as on Linux.
    func multipleMessages(_ number: Int, _ a: [UInt64]) -> Int {
        let count = min(Int(UInt32(truncatingIfNeeded: a[2])), LinuxKernel.maximumIOVectors)
        var flags = a[3]
        var done = 0
        // recvmmsg's timeout, checked after each datagram as Linux does; what is left goes back.
        var deadline: UInt64?
        if number == 243, a[4] != 0 {
            switch self.deadline(afterTimespecAt: a[4]) {
            case let .success(time): deadline = time
            case let .failure(error): return error.result
            }
        }
        while done < count {
            let entry = a[1] + UInt64(done) * 64
            let result = number == 269 ? sendMessage([a[0], entry, flags]) : receiveMessage([a[0], entry, flags])
            if result < 0 {
                if done == 0 { return result }
                break
            }
            guard memory.write(LinuxKernel.littleEndian(UInt32(truncatingIfNeeded: result)), at: entry + 56) else { return LinuxKernel.efault }
            done += 1
            if number == 243, flags & 0x10000 != 0 { flags |= 0x40 }  // MSG_WAITFORONE, then MSG_DONTWAIT
            if let deadline, HostClock.monotonicNanoseconds() >= deadline { break }
        }
        if let deadline {
            let left = deadline &- min(deadline, HostClock.monotonicNanoseconds())
            guard memory.write(LinuxKernel.words([left / 1_000_000_000, left % 1_000_000_000]), at: a[4]) else { return LinuxKernel.efault }
        }
        return done
    }

    /// Runs `call` with a host msghdr over the three buffers; answers its result and the
    /// header as the host left it.
    private func withHostMessage(data: inout [UInt8], name: inout [UInt8], control: inout [UInt8],
                                 _ call: (UnsafeMutableRawPointer) -> Int) -> (result: Int, header: [UInt8]) {
        var header = [UInt8](repeating: 0, count: LinuxKernel.messageHeaderSize)
        let (dataCount, nameCount, controlCount) = (data.count, name.count, control.count)
        // SAFETY: the host header points only into these buffers (the data, the address, the
        // control bytes, the one iovec), all alive until `call` returns; each length is its buffer's count.
        let result = data.withUnsafeMutableBytes { dataBuffer in
            name.withUnsafeMutableBytes { nameBuffer in
                control.withUnsafeMutableBytes { controlBuffer in
                    var vector = (base: UInt(bitPattern: dataBuffer.baseAddress), length: UInt(dataCount))
                    return withUnsafeMutableBytes(of: &vector) { vectorBuffer in
                        header.withUnsafeMutableBytes { h -> Int in
                            guard let start = h.baseAddress else { return -HostSystemCall.EFAULT }
                            // SAFETY: the header's 56 bytes hold each field at its msghdr offset.
                            h.storeBytes(of: UInt(bitPattern: nameCount > 0 ? nameBuffer.baseAddress : nil), toByteOffset: 0, as: UInt.self)
                            h.storeBytes(of: UInt32(nameCount), toByteOffset: 8, as: UInt32.self)
                            h.storeBytes(of: UInt(bitPattern: vectorBuffer.baseAddress), toByteOffset: 16, as: UInt.self)
                            h.storeBytes(of: UInt(dataCount > 0 ? 1 : 0), toByteOffset: 24, as: UInt.self)
                            h.storeBytes(of: UInt(bitPattern: controlCount > 0 ? controlBuffer.baseAddress : nil), toByteOffset: 32, as: UInt.self)
                            h.storeBytes(of: UInt(controlCount), toByteOffset: 40, as: UInt.self)
                            return call(start)
                        }
                    }
                }
            }
        }
        return (result, header)
    }
}

/// A negative result (an errno) carried through a `Result`.
struct SystemCallFailure: Error {
    let result: Int
    init(_ result: Int) { self.result = result }
}
