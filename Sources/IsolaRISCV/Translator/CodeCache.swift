import IsolaHost

/// One hart's executable memory: the backend's runtime code at the start, then
/// units placed one after another until it is full, when the translator flushes
/// every unit and starts again (QEMU's tb_flush). Bounded by the VM's
/// `codeCacheBytes`; host pages are used only as code is written.
final class CodeCache {
    let memory: ExecutableMemory
    let runtime: TranslatorRuntime
    /// The entry trampoline, a C function `(stateBlock, unitCode) -> UnitExit`.
    let enter: @convention(c) (UnsafeMutableRawPointer, UnsafeRawPointer) -> UInt32
    /// Where the first unit goes (after the runtime, page-aligned so `discard` keeps it).
    private let unitsStart: Int
    private(set) var used: Int
    /// Bumped whenever the units are forgotten (`reset`, `discard`): an address
    /// taken before names nothing afterwards.
    private(set) var generation = 0
    /// The runtime's parts by name and executable address, for the perf map.
    let runtimeParts: [(name: String, address: UInt64, size: Int)]

    init<Backend: TranslatorBackend>(byteCount: Int, backend: Backend.Type) throws {
        memory = try ExecutableMemory(byteCount: byteCount)
        let origin = UInt64(UInt(bitPattern: memory.executable))
        let code = Backend.runtimeCode(origin: origin)
        // SAFETY: the runtime is a few hundred bytes and the cache at least a page.
        memory.writable.copyMemory(from: code.bytes, byteCount: code.bytes.count)
        runtime = TranslatorRuntime(
            exitStub: origin + UInt64(code.exit),
            lookupStub: origin + UInt64(code.lookup),
            linkStub: origin + UInt64(code.link))
        // SAFETY: the entry offset starts the trampoline just written, which has this C signature.
        enter = unsafeBitCast(memory.executableAddress(code.entry),
                              to: (@convention(c) (UnsafeMutableRawPointer, UnsafeRawPointer) -> UInt32).self)
        unitsStart = (code.bytes.count + 4095) & ~4095
        used = unitsStart
        runtimeParts = code.parts.map { ($0.name, origin + UInt64($0.offset), $0.size) }
    }

    /// The writable view of the code at executable address `address`.
    func writable(_ address: UInt64) -> UnsafeMutableRawPointer {
        let offset = Int(address &- UInt64(UInt(bitPattern: memory.executable)))
        precondition(offset >= unitsStart && offset < used, "not unit code")
        return memory.writable + offset
    }

    /// The executable address where the next unit will go.
    var nextAddress: UInt64 { UInt64(UInt(bitPattern: memory.executable)) + UInt64(used) }

    /// Copies a unit's code in at `nextAddress`; false when it does not fit.
    func append(_ bytes: [UInt8]) -> Bool {
        let aligned = (bytes.count + 15) & ~15
        guard used + aligned <= memory.byteCount else { return false }
        // SAFETY: the range [used, used + count) lies inside the writable view.
        (memory.writable + used).copyMemory(from: bytes, byteCount: bytes.count)
        used += aligned
        return true
    }

    /// Forgets every unit (nothing may run them any more).
    func reset() {
        used = unitsStart
        generation += 1
    }

    /// Forgets every unit and gives their pages back to the host.
    func discard() {
        memory.discard(from: unitsStart)
        used = unitsStart
        generation += 1
    }

    var unitBytes: Int { used - unitsStart }
}
