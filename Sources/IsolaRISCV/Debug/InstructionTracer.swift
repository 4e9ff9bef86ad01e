import IsolaHost

/// Prints one line per retired instruction: hart, privilege, pc, disassembly and the register written.
///
/// The interpreter's block loop knows nothing of tracing: with a tracer set,
/// the hart runs blocks of one instruction and traces around them, so tracing
/// costs nothing when off.
public final class InstructionTracer {
    private let output: HostOutput

    public init(output: HostOutput = .standardError) {
        self.output = output
    }

    func record(hart: Hart, pc: UInt64, instruction: DecodedInstruction?, privilege: PrivilegeMode, trapped: Bool) {
        var line = "[\(hart.hartID)] \(privilege) 0x\(hex16(pc)): "
        if let instruction {
            line += Disassembler.text(instruction, pc: pc)
            if trapped {
                line += "  -> trap"
            } else if Disassembler.writesIntegerRegister(instruction.opcode) && instruction.rd != Hart.sinkRegister {
                line += "  \(Disassembler.xName(instruction.rd))=0x\(hex16(hart.x[Int(instruction.rd)]))"
            } else if Disassembler.writesFloatRegister(instruction.opcode) {
                line += "  f\(instruction.rd)=0x\(hex16(hart.f[Int(instruction.rd)]))"
            }
        } else {
            line += "(fetch fault)"
        }
        output.write(line + "\n")
    }

    private func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}
