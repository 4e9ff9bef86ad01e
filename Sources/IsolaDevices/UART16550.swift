import IsolaCore
import IsolaHost

/// A National Semiconductor 16550A UART, the console every RISC-V firmware and
/// kernel knows (`ns16550a` in the device tree). Registers are one byte apart.
public final class UART16550: MMIODevice, SnapshotState, @unchecked Sendable {
    // Sendable: registers are guarded by `lock`; the host console's input thread and vCPU threads share it.
    private let lock = HostMutex()
    private let output: ByteSink
    /// Sees each byte the guest writes (the machine sets it).
    public var interposer: Interposer?
    private let interrupt: InterruptLine

    private var receiveBuffer: [UInt8] = []
    /// How many bytes precede each break condition in `receiveBuffer` (a break reads as
    /// a zero byte with LSR.BI set).
    private var breakPositions: [Int] = []
    private var ier: UInt8 = 0
    private var lcr: UInt8 = 0
    private var mcr: UInt8 = 0
    private var scr: UInt8 = 0
    private var dll: UInt8 = 0
    private var dlm: UInt8 = 0
    private var fcr: UInt8 = 0
    /// Set when THR empties with the THRE interrupt enabled; cleared by reading IIR or writing THR.
    private var thrEmptyPending = false

    // Register offsets (16550 data sheet).
    static let rbrThr: UInt64 = 0, ier: UInt64 = 1, iirFcr: UInt64 = 2, lcr: UInt64 = 3
    static let mcr: UInt64 = 4, lsr: UInt64 = 5, msr: UInt64 = 6, scr: UInt64 = 7

    public init(output: ByteSink, interrupt: InterruptLine = DisconnectedInterruptLine()) {
        self.output = output
        self.interrupt = interrupt
    }

    private var dlab: Bool { lcr & 0x80 != 0 }

    /// Queues bytes typed on the host console for the guest to read (any thread).
    public func receive(_ bytes: [UInt8]) {
        lock.withLock {
            receiveBuffer.append(contentsOf: bytes)
            updateInterrupt()
        }
    }

    /// A break on the line, as a terminal's "send break" makes one: the guest reads a
    /// zero byte with LSR.BI set, after the bytes already queued. Linux takes the byte
    /// that follows a break as a magic SysRq key.
    public func receiveBreak() {
        lock.withLock {
            breakPositions.append(receiveBuffer.count)
            receiveBuffer.append(0)
            updateInterrupt()
        }
    }

    /// Drops the first queued byte, keeping the breaks' positions in step.
    private func popReceived() -> UInt8 {
        if breakPositions.first == 0 { breakPositions.removeFirst() }
        for i in breakPositions.indices { breakPositions[i] -= 1 }
        return receiveBuffer.removeFirst()
    }

    /// One typed byte for firmware that reads the console without the UART (SBI getchar).
    public func takeReceivedByteForFirmware() -> UInt8? {
        lock.withLock {
            guard !receiveBuffer.isEmpty else { return nil }
            let b = popReceived()
            updateInterrupt()
            return b
        }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        lock.withLock { readLocked(offset: offset) }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        lock.withLock { writeLocked(offset: offset, value: value) }
    }

    private func readLocked(offset: UInt64) -> UInt64 {
        switch offset {
        case Self.rbrThr:
            if dlab { return UInt64(dll) }
            guard !receiveBuffer.isEmpty else { return 0 }
            let b = popReceived()
            updateInterrupt()
            return UInt64(b)
        case Self.ier:
            return UInt64(dlab ? dlm : ier)
        case Self.iirFcr:
            let fifo: UInt8 = fcr & 1 != 0 ? 0xC0 : 0
            if ier & 0x01 != 0 && !receiveBuffer.isEmpty { return UInt64(fifo | 0x04) }
            if thrEmptyPending {
                thrEmptyPending = false
                updateInterrupt()
                return UInt64(fifo | 0x02)
            }
            return UInt64(fifo | 0x01)
        case Self.lcr: return UInt64(lcr)
        case Self.mcr: return UInt64(mcr)
        case Self.lsr:
            // Transmitter always empty: output is handed to the host at once.
            return UInt64(0x60 | (receiveBuffer.isEmpty ? 0 : 0x01) | (breakPositions.first == 0 ? 0x10 : 0))
        case Self.msr:
            // Loopback off: report carrier, data-set and clear-to-send ready.
            return 0xB0
        case Self.scr: return UInt64(scr)
        default: return 0
        }
    }

    private func writeLocked(offset: UInt64, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        switch offset {
        case Self.rbrThr:
            if dlab { dll = v; return }
            if interposer?.check(InterpositionEvent(.console, "uart", bytes: 1)) ?? .allow == .allow { output.write(byte: v) }
            thrEmptyPending = ier & 0x02 != 0
            updateInterrupt()
        case Self.ier:
            if dlab { dlm = v; return }
            let wasOff = ier & 0x02 == 0
            ier = v & 0x0F
            if wasOff && ier & 0x02 != 0 { thrEmptyPending = true }
            updateInterrupt()
        case Self.iirFcr:
            fcr = v
            if v & 0x02 != 0 { receiveBuffer.removeAll(); breakPositions.removeAll() }
            updateInterrupt()
        case Self.lcr: lcr = v
        case Self.mcr: mcr = v & 0x1F
        case Self.scr: scr = v
        default: break
        }
    }

    private func updateInterrupt() {
        let rx = ier & 0x01 != 0 && !receiveBuffer.isEmpty
        let tx = ier & 0x02 != 0 && thrEmptyPending
        interrupt.setLevel(rx || tx)
    }

    /// Registers and the bytes the guest has not read yet (version 1).
    public func saveState(into out: inout SnapshotWriter) {
        lock.withLock {
            out.write(UInt32(1))
            for register in [ier, lcr, mcr, scr, dll, dlm, fcr] { out.write(register) }
            out.write(thrEmptyPending)
            out.write(receiveBuffer, lengthPrefixed: true)
        }
    }

    public func restoreState(from input: inout SnapshotReader) throws(SnapshotError) {
        try input.expectVersion(1, of: "UART")
        var registers: [UInt8] = []
        for _ in 0..<7 { registers.append(try input.read(UInt8.self)) }
        let pending = try input.readBool()
        let count = Int(try input.read(UInt32.self))
        guard count <= 1 << 20 else { throw .invalid(what: input.what, reason: "\(count) bytes waiting in the UART") }
        let buffer = try input.readBytes(count: count)
        lock.withLock {
            (ier, lcr, mcr, scr, dll, dlm, fcr) = (registers[0], registers[1], registers[2], registers[3], registers[4], registers[5], registers[6])
            thrEmptyPending = pending
            receiveBuffer = buffer
            breakPositions = []  // a break still unread when the snapshot was taken reads as a plain zero byte
            updateInterrupt()
        }
    }
}
