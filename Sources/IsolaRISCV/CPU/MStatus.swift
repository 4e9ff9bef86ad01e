/// Fields of `mstatus` (privileged spec 3.1.6); `sstatus` is a view of some of them.
public enum MStatus {
    public static let sie: UInt64 = 1 << 1
    public static let mie: UInt64 = 1 << 3
    public static let spie: UInt64 = 1 << 5
    public static let ube: UInt64 = 1 << 6
    public static let mpie: UInt64 = 1 << 7
    public static let spp: UInt64 = 1 << 8
    public static let mppShift: UInt64 = 11
    public static let mpp: UInt64 = 3 << 11
    public static let fsShift: UInt64 = 13
    public static let fs: UInt64 = 3 << 13
    public static let fsDirty: UInt64 = 3 << 13
    public static let xs: UInt64 = 3 << 15
    public static let vs: UInt64 = 3 << 9
    public static let mprv: UInt64 = 1 << 17
    public static let sum: UInt64 = 1 << 18
    public static let mxr: UInt64 = 1 << 19
    public static let tvm: UInt64 = 1 << 20
    public static let tw: UInt64 = 1 << 21
    public static let tsr: UInt64 = 1 << 22
    public static let uxl: UInt64 = 3 << 32
    public static let sxl: UInt64 = 3 << 34
    public static let sd: UInt64 = 1 << 63

    /// UXL = SXL = 2: U and S are 64-bit and cannot be changed.
    public static let fixedXLEN: UInt64 = (2 << 32) | (2 << 34)

    /// Bits M-mode software may write.
    public static let writable: UInt64 = sie | mie | spie | mpie | spp | mpp | fs | mprv | sum | mxr | tvm | tw | tsr

    /// Bits visible through `sstatus` (privileged spec 4.1.1).
    public static let supervisorView: UInt64 = sie | spie | ube | spp | vs | fs | xs | sum | mxr | uxl | sd
    public static let supervisorWritable: UInt64 = sie | spie | spp | fs | sum | mxr
}
