/// Locked read-modify-write forms: RISC-V's AMOs on host atomics.
extension X86Assembler {
    /// `lock xadd [m], src`: `[m] += src`, the old value in `src` (32- or 64-bit).
    public mutating func lockedExchangeAdd(_ m: X86Memory, _ src: X86Register, wide: Bool) {
        emit(0xF0)
        memoryForm([0x0F, 0xC1], w: wide, reg: src.rawValue, m)
    }

    /// `mfence`: earlier stores reach memory before later loads read it.
    public mutating func memoryFence() {
        emit(0x0F); emit(0xAE); emit(0xF0)
    }

    /// `xchg [m], src`: swaps, locked by the instruction itself (32- or 64-bit).
    public mutating func exchange(_ m: X86Memory, _ src: X86Register, wide: Bool) {
        memoryForm([0x87], w: wide, reg: src.rawValue, m)
    }
}
