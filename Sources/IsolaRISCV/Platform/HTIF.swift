import IsolaCore

/// The Berkeley host-target interface used by riscv-tests and many bare-metal
/// programs: the guest writes a command to the `tohost` word in RAM and the host
/// answers in `fromhost`. Stores to the page holding `tohost` take the hart's slow
/// path, which calls `observeStore`.
public final class HTIF {
    public let tohost: UInt64
    public let fromhost: UInt64?
    private let ram: GuestRAM
    private let console: ByteSink
    private let power: PowerControl

    public init(tohost: UInt64, fromhost: UInt64?, ram: GuestRAM, console: ByteSink, power: PowerControl) {
        self.tohost = tohost
        self.fromhost = fromhost
        self.ram = ram
        self.console = console
        self.power = power
    }

    func observeStore(physicalAddress: UInt64, hart: Hart) {
        guard physicalAddress & ~7 == tohost, ram.contains(tohost, length: 8) else { return }
        let command = ram.hostPointer(tohost).loadUnaligned(as: UInt64.self)
        guard command != 0 else { return }
        handle(command)
    }

    private func handle(_ command: UInt64) {
        let device = command >> 56
        let cmd = (command >> 48) & 0xFF
        let payload = command & 0xFFFF_FFFF_FFFF
        switch (device, cmd) {
        case (0, 0):
            if payload & 1 != 0 {
                // Exit: 1 is success, (code << 1) | 1 is failure with `code`.
                let code = payload >> 1
                power.request(.poweroff(exitCode: code == 0 ? 0 : Int32(truncatingIfNeeded: min(code, 255))))
            } else {
                proxySystemCall(at: payload)
            }
        case (1, 1):
            console.write(byte: UInt8(truncatingIfNeeded: payload))
            respond(command & ~0xFFFF_FFFF_FFFF)
        default:
            respond(command & ~0xFFFF_FFFF_FFFF)
        }
        acknowledge()
    }

    /// The "magic memory" system call block: which, arg0, arg1, arg2... as 64-bit words.
    /// Only `write` (64) to stdout/stderr is proxied; anything else answers -ENOSYS.
    private func proxySystemCall(at address: UInt64) {
        guard let block = ram.read(at: address, length: 32) else { return }
        let words = (0..<4).map { i in block[i * 8..<i * 8 + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
        var result: Int64 = -38
        if words[0] == 64, words[1] == 1 || words[1] == 2, let bytes = ram.read(at: words[2], length: Int(min(words[3], 1 << 20))) {
            for byte in bytes { console.write(byte: byte) }
            result = Int64(bytes.count)
        }
        // SAFETY: the value's own 8 bytes, copied inside the closure.
        let reply = withUnsafeBytes(of: result.littleEndian) { Array($0) }
        try? ram.write(reply, at: address)
        respond(1)
    }

    private func respond(_ value: UInt64) {
        guard let fromhost, ram.contains(fromhost, length: 8) else { return }
        // SAFETY: the guard checked `fromhost`'s 8 bytes against RAM; storeBytes needs no alignment.
        ram.hostPointer(fromhost).storeBytes(of: value, as: UInt64.self)
    }

    private func acknowledge() {
        // SAFETY: only `handle` calls this, after `observeStore` checked `tohost`'s 8 bytes against RAM.
        ram.hostPointer(tohost).storeBytes(of: UInt64(0), as: UInt64.self)
    }
}
