/// Guest physical addresses of the board, following QEMU's `virt` machine so
/// that firmware and kernels built for it run unchanged.
public enum MemoryMap {
    public static let testFinisher: UInt64 = 0x0010_0000
    public static let testFinisherSize: UInt64 = 0x1000
    /// The boot-timer word, in the spare space of the test device's page.
    public static let bootTimer: UInt64 = 0x0010_0008
    /// The Goldfish real-time clock, where QEMU's `virt` board has it.
    public static let rtc: UInt64 = 0x0010_1000
    public static let rtcSize: UInt64 = 0x1000
    public static let clint: UInt64 = 0x0200_0000
    public static let plic: UInt64 = 0x0C00_0000
    public static let uart: UInt64 = 0x1000_0000
    public static let uartSize: UInt64 = 0x100
    public static let virtioBase: UInt64 = 0x1000_1000
    public static let virtioStride: UInt64 = 0x1000
    public static let virtioSlotCount = 8
    public static let dram: UInt64 = 0x8000_0000
}
