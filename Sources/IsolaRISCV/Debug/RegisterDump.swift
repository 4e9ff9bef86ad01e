extension Hart {
    /// A human-readable snapshot of the hart's state (read from another thread it may be slightly stale).
    public func registerDump() -> String {
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, 16 - s.count)) + s
        }
        var lines = ["hart \(hartID)  pc \(hex(pc))  mode \(privilege)  state \(HSMState(rawValue: hsmState.load(ordering: .relaxed)).map { "\($0)" } ?? "?")",
                     "mstatus \(hex(mstatusValue))  mcause \(hex(mcause))  mepc \(hex(mepc))  satp \(hex(satp))",
                     "scause \(hex(scause))  sepc \(hex(sepc))  stval \(hex(stval))  instret \(instret)"]
        for row in 0..<8 {
            lines.append((0..<4).map { c -> String in
                let r = row * 4 + c
                let name = Disassembler.abiNames[r]
                let label = "x\(r)/\(name)"
                return label + String(repeating: " ", count: max(1, 9 - label.count)) + hex(x[r])
            }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
