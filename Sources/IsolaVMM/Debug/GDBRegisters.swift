import IsolaRISCV

/// The registers gdb sees on a hart and their numbers, as GDB's RISC-V target uses them
/// (gdb/riscv-tdep.h): x0-x31 are 0-31, pc 32, f0-f31 33-64, CSR n is 65 + n, and the
/// privilege mode (the "virtual" feature's `priv`) is 4161. The target description
/// gives the numbers explicitly, so `p` and `P` use them directly; `g` carries x0-x31
/// and pc, and gdb asks for the rest one by one.
enum GDBRegisters {
    static let pc = 32
    static let firstFloat = 33
    static let firstCSR = 65
    static let privilege = 4161

    static let integerNames = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1",
                               "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
                               "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"]
    static let floatNames = ["ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1",
                             "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7",
                             "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"]
    /// The CSRs shown besides fflags, frm and fcsr (which belong to the FPU feature).
    static let csrs: [(String, UInt16)] = [
        ("cycle", CSR.cycle), ("time", CSR.time), ("instret", CSR.instret),
        ("sstatus", CSR.sstatus), ("sie", CSR.sie), ("stvec", CSR.stvec), ("scounteren", CSR.scounteren),
        ("senvcfg", CSR.senvcfg), ("sscratch", CSR.sscratch), ("sepc", CSR.sepc), ("scause", CSR.scause),
        ("stval", CSR.stval), ("sip", CSR.sip), ("stimecmp", CSR.stimecmp), ("satp", CSR.satp),
        ("mvendorid", CSR.mvendorid), ("marchid", CSR.marchid), ("mimpid", CSR.mimpid), ("mhartid", CSR.mhartid),
        ("mstatus", CSR.mstatus), ("misa", CSR.misa), ("medeleg", CSR.medeleg), ("mideleg", CSR.mideleg),
        ("mie", CSR.mie), ("mtvec", CSR.mtvec), ("mcounteren", CSR.mcounteren), ("menvcfg", CSR.menvcfg),
        ("mscratch", CSR.mscratch), ("mepc", CSR.mepc), ("mcause", CSR.mcause), ("mtval", CSR.mtval), ("mip", CSR.mip),
        ("tselect", CSR.tselect), ("tdata1", CSR.tdata1), ("tdata2", CSR.tdata2), ("tinfo", CSR.tinfo),
    ]

    static let targetDescription: String = {
        var xml = """
        <?xml version="1.0"?>
        <!DOCTYPE target SYSTEM "gdb-target.dtd">
        <target version="1.0">
        <architecture>riscv:rv64</architecture>
        <feature name="org.gnu.gdb.riscv.cpu">

        """
        for (i, name) in integerNames.enumerated() {
            let type = i == 1 ? "code_ptr" : (i == 2 || i == 8 ? "data_ptr" : "int")
            xml += "<reg name=\"\(name)\" bitsize=\"64\" type=\"\(type)\" regnum=\"\(i)\"/>\n"
        }
        xml += "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"\(pc)\"/>\n</feature>\n"
        xml += """
        <feature name="org.gnu.gdb.riscv.fpu">
        <union id="riscv_double"><field name="float" type="ieee_single"/><field name="double" type="ieee_double"/></union>

        """
        for (i, name) in floatNames.enumerated() {
            xml += "<reg name=\"\(name)\" bitsize=\"64\" type=\"riscv_double\" regnum=\"\(firstFloat + i)\"/>\n"
        }
        for (name, csr) in [("fflags", CSR.fflags), ("frm", CSR.frm), ("fcsr", CSR.fcsr)] {
            xml += "<reg name=\"\(name)\" bitsize=\"32\" type=\"int\" regnum=\"\(firstCSR + Int(csr))\"/>\n"
        }
        xml += "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n"
        for (name, csr) in csrs {
            xml += "<reg name=\"\(name)\" bitsize=\"64\" type=\"int\" regnum=\"\(firstCSR + Int(csr))\"/>\n"
        }
        xml += "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
        xml += "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"\(privilege)\"/>\n</feature>\n</target>\n"
        return xml
    }()

    /// How many bytes register `n` has on the wire.
    static func size(_ n: Int) -> Int {
        switch n - firstCSR {
        case Int(CSR.fflags), Int(CSR.frm), Int(CSR.fcsr): return 4
        default: return 8
        }
    }

    static func read(_ n: Int, on hart: Hart) -> UInt64? {
        switch n {
        case 0..<32: return hart.x[n]
        case pc: return hart.pc
        case firstFloat..<firstFloat + 32: return hart.f[n - firstFloat]
        case privilege: return UInt64(hart.debugPrivilege.rawValue)
        case firstCSR..<firstCSR + 4096: return hart.debugReadCSR(UInt16(n - firstCSR))
        default: return nil
        }
    }

    static func write(_ n: Int, _ value: UInt64, on hart: Hart) -> Bool {
        switch n {
        case 0: return true  // x0 stays zero
        case 1..<32: hart.x[n] = value
        case pc: hart.pc = value
        case firstFloat..<firstFloat + 32: hart.f[n - firstFloat] = value
        case privilege:
            guard let mode = PrivilegeMode(rawValue: UInt8(truncatingIfNeeded: value)), value <= 3 else { return false }
            hart.debugPrivilege = mode
        case firstCSR..<firstCSR + 4096: return hart.debugWriteCSR(UInt16(n - firstCSR), value)
        default: return false
        }
        return true
    }
}
