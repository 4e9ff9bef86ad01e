/// The device tree of Isola's `virt`-compatible board, generated from the
/// machine's configuration so that what the guest is told always matches
/// what the monitor built.
public struct BoardDeviceTree {
    public var memoryBase: UInt64 = MemoryMap.dram
    public var memorySize: UInt64
    public var hartCount: Int
    public var bootArguments: String = ""
    public var initrd: Range<UInt64>?
    public var mmuType = "riscv,sv57"
    public var virtioSlots = 8

    /// PLIC sources, as on QEMU's virt: the UART on 10, virtio-mmio slots on 1...8.
    public static let uartInterrupt: UInt32 = 10
    /// The RTC's PLIC source, as on QEMU's `virt` board.
    public static let rtcInterrupt: UInt32 = 11
    public static func virtioInterrupt(_ slot: Int) -> UInt32 { UInt32(1 + slot) }

    public init(memorySize: UInt64, hartCount: Int) {
        self.memorySize = memorySize
        self.hartCount = hartCount
    }

    // phandles: one per hart's interrupt controller, then the PLIC and the test device.
    private func intcPhandle(_ hart: Int) -> UInt32 { UInt32(1 + hart) }
    private var plicPhandle: UInt32 { UInt32(1 + hartCount) }
    private var testPhandle: UInt32 { UInt32(2 + hartCount) }

    public func root() -> DeviceTreeNode {
        var chosen = DeviceTreeNode("chosen", [
            ("bootargs", .string(bootArguments)),
            ("stdout-path", .string("/soc/serial@10000000")),
        ])
        if let initrd {
            chosen.properties.append((name: "linux,initrd-start", value: .u64(initrd.lowerBound)))
            chosen.properties.append((name: "linux,initrd-end", value: .u64(initrd.upperBound)))
        }
        let memory = DeviceTreeNode("memory@\(hex(memoryBase))", [
            ("device_type", .string("memory")),
            ("reg", .reg(memoryBase, memorySize)),
        ])
        var cpus = DeviceTreeNode("cpus", [
            ("#address-cells", .cells([1])),
            ("#size-cells", .cells([0])),
            ("timebase-frequency", .cells([UInt32(GuestClock.frequencyHz)])),
        ])
        var cores: [DeviceTreeNode] = []
        for h in 0..<hartCount {
            cpus.children.append(DeviceTreeNode("cpu@\(h)", [
                ("device_type", .string("cpu")),
                ("reg", .cells([UInt32(h)])),
                ("status", .string("okay")),
                ("compatible", .string("riscv")),
                ("riscv,isa", .string(ISAExtensions.isaString)),
                ("riscv,isa-base", .string(ISAExtensions.base)),
                ("riscv,isa-extensions", .strings(ISAExtensions.names)),
                ("riscv,cbom-block-size", .cells([UInt32(Hart.cacheBlockSize)])),
                ("riscv,cbop-block-size", .cells([UInt32(Hart.cacheBlockSize)])),
                ("riscv,cboz-block-size", .cells([UInt32(Hart.cacheBlockSize)])),
                ("mmu-type", .string(mmuType)),
                ("phandle", .cells([UInt32(100 + h)])),
            ], children: [
                DeviceTreeNode("interrupt-controller", [
                    ("#address-cells", .cells([0])),
                    ("#interrupt-cells", .cells([1])),
                    ("interrupt-controller", .empty),
                    ("compatible", .string("riscv,cpu-intc")),
                    ("phandle", .cells([intcPhandle(h)])),
                ]),
            ]))
            cores.append(DeviceTreeNode("core\(h)", [("cpu", .cells([UInt32(100 + h)]))]))
        }
        cpus.children.append(DeviceTreeNode("cpu-map", children: [DeviceTreeNode("cluster0", children: cores)]))

        var clintInterrupts: [UInt32] = [], plicInterrupts: [UInt32] = []
        for h in 0..<hartCount {
            clintInterrupts += [intcPhandle(h), 3, intcPhandle(h), 7]
            plicInterrupts += [intcPhandle(h), 11, intcPhandle(h), 9]
        }
        var soc = DeviceTreeNode("soc", [
            ("#address-cells", .cells([2])),
            ("#size-cells", .cells([2])),
            ("compatible", .string("simple-bus")),
            ("ranges", .empty),
            // Every device reads guest RAM as the harts see it: with Zicbom advertised, a
            // kernel that assumes non-coherent DMA without this (Linux 6.1) would clean and
            // invalidate every buffer by cache block and map DMA memory uncached.
            ("dma-coherent", .empty),
        ])
        soc.children.append(DeviceTreeNode("test@\(hex(MemoryMap.testFinisher))", [
            ("compatible", .strings(["sifive,test1", "sifive,test0", "syscon"])),
            ("reg", .reg(MemoryMap.testFinisher, MemoryMap.testFinisherSize)),
            ("phandle", .cells([testPhandle])),
        ]))
        soc.children.append(DeviceTreeNode("clint@\(hex(MemoryMap.clint))", [
            ("compatible", .strings(["sifive,clint0", "riscv,clint0"])),
            ("reg", .reg(MemoryMap.clint, CLINT.size)),
            ("interrupts-extended", .cells(clintInterrupts)),
        ]))
        soc.children.append(DeviceTreeNode("plic@\(hex(MemoryMap.plic))", [
            ("compatible", .strings(["sifive,plic-1.0.0", "riscv,plic0"])),
            ("reg", .reg(MemoryMap.plic, PLIC.size)),
            ("#address-cells", .cells([0])),
            ("#interrupt-cells", .cells([1])),
            ("interrupt-controller", .empty),
            ("interrupts-extended", .cells(plicInterrupts)),
            ("riscv,ndev", .cells([UInt32(PLIC.sourceCount - 1)])),
            ("phandle", .cells([plicPhandle])),
        ]))
        soc.children.append(DeviceTreeNode("serial@\(hex(MemoryMap.uart))", [
            ("compatible", .string("ns16550a")),
            ("reg", .reg(MemoryMap.uart, MemoryMap.uartSize)),
            ("clock-frequency", .cells([3_686_400])),
            ("interrupt-parent", .cells([plicPhandle])),
            ("interrupts", .cells([BoardDeviceTree.uartInterrupt])),
        ]))
        soc.children.append(DeviceTreeNode("rtc@\(hex(MemoryMap.rtc))", [
            ("compatible", .string("google,goldfish-rtc")),
            ("reg", .reg(MemoryMap.rtc, MemoryMap.rtcSize)),
            ("interrupt-parent", .cells([plicPhandle])),
            ("interrupts", .cells([BoardDeviceTree.rtcInterrupt])),
        ]))
        for slot in 0..<virtioSlots {
            let base = MemoryMap.virtioBase + UInt64(slot) * MemoryMap.virtioStride
            soc.children.append(DeviceTreeNode("virtio_mmio@\(hex(base))", [
                ("compatible", .string("virtio,mmio")),
                ("reg", .reg(base, MemoryMap.virtioStride)),
                ("interrupt-parent", .cells([plicPhandle])),
                ("interrupts", .cells([BoardDeviceTree.virtioInterrupt(slot)])),
            ]))
        }
        return DeviceTreeNode("", [
            ("#address-cells", .cells([2])),
            ("#size-cells", .cells([2])),
            ("compatible", .string("riscv-virtio")),
            ("model", .string("isola,virt")),
        ], children: [
            chosen, memory, cpus, soc,
            DeviceTreeNode("poweroff", [
                ("compatible", .string("syscon-poweroff")),
                ("regmap", .cells([testPhandle])),
                ("offset", .cells([0])),
                ("value", .cells([0x5555])),
            ]),
            DeviceTreeNode("reboot", [
                ("compatible", .string("syscon-reboot")),
                ("regmap", .cells([testPhandle])),
                ("offset", .cells([0])),
                ("value", .cells([0x7777])),
            ]),
        ])
    }

    public func encoded() -> [UInt8] {
        FlattenedDeviceTree.encode(root())
    }

    private func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
