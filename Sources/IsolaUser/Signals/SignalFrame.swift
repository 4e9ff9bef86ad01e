/// The riscv64 Linux signal frame (arch/riscv/kernel/signal.c: `struct rt_sigframe`):
/// a 128-byte siginfo, then the ucontext whose mcontext holds pc, x1–x31, f0–f31
/// and fcsr. A handler receives pointers into it and glibc's siglongjmp and
/// `ucontext_t` users read it, so the layout is the kernel's to the byte.
enum SignalFrame {
    static let size = 1088
    static let contextOffset = 128
    /// ucontext: uc_flags, uc_link, uc_stack (ss_sp, ss_flags, ss_size), uc_sigmask, then mcontext at 176.
    static let stackOffset = contextOffset + 16
    static let maskOffset = contextOffset + 40
    static let registersOffset = contextOffset + 176
    static let floatingPointOffset = registersOffset + 256
    static let fcsrOffset = floatingPointOffset + 256

    /// siginfo codes (include/uapi/asm-generic/siginfo.h).
    static let userCode: Int32 = 0, tkillCode: Int32 = -6
    static let mapError: Int32 = 1, accessError: Int32 = 2, illegalOpcode: Int32 = 1, alignment: Int32 = 1, breakpoint: Int32 = 1

    /// What the handler learns about the signal.
    struct Info {
        var signal: Int32
        var code: Int32
        /// si_addr for faults.
        var address: UInt64 = 0
        /// si_pid and si_uid for signals sent by kill.
        var senderPID: Int32 = 0
        var senderUID: UInt32 = 0
    }

    /// The saved context: the interrupted thread's registers and mask.
    struct Context {
        var pc: UInt64
        var x: [UInt64]          // x0...x31 (x0 unused)
        var f: [UInt64]          // f0...f31
        var fcsr: UInt64
        var mask: UInt64
        var stack: (base: UInt64, flags: Int32, size: UInt64)
    }

    static func encode(_ info: Info, _ context: Context) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        func put<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
            // SAFETY: the value's own bytes, copied into `bytes` by the bounds-checked replaceSubrange.
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
        }
        put(info.signal, 0)
        put(info.code, 8)
        if info.address != 0 {
            put(info.address, 16)
        } else {
            put(info.senderPID, 16)
            put(info.senderUID, 20)
        }
        put(context.stack.base, stackOffset)
        put(context.stack.flags, stackOffset + 8)
        put(context.stack.size, stackOffset + 16)
        put(context.mask, maskOffset)
        put(context.pc, registersOffset)
        for i in 1..<32 { put(context.x[i], registersOffset + 8 * i) }
        for i in 0..<32 { put(context.f[i], floatingPointOffset + 8 * i) }
        put(UInt32(truncatingIfNeeded: context.fcsr), fcsrOffset)
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> Context? {
        guard bytes.count >= size else { return nil }
        func get<T: FixedWidthInteger>(_ offset: Int, _ type: T.Type) -> T {
            // SAFETY: the guard leaves `size` bytes, and every field read ends by fcsrOffset + 4 < size.
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        var x = [UInt64](repeating: 0, count: 32)
        for i in 1..<32 { x[i] = get(registersOffset + 8 * i, UInt64.self) }
        let f = (0..<32).map { get(floatingPointOffset + 8 * $0, UInt64.self) }
        return Context(pc: get(registersOffset, UInt64.self), x: x, f: f, fcsr: UInt64(get(fcsrOffset, UInt32.self)),
                       mask: get(maskOffset, UInt64.self),
                       stack: (get(stackOffset, UInt64.self), get(stackOffset + 8, Int32.self), get(stackOffset + 16, UInt64.self)))
    }
}
