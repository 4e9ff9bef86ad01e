import Foundation
import IsolaCodegen
import Testing

/// Every form the assembler emits, decoded by binutils' disassembler and compared
/// with what was meant: an encoding bug shows up as different text here.
@Suite struct X86AssemblerTests {
    /// Disassembles `bytes` with `objdump` (Intel syntax) into one normalized line per instruction.
    static func disassemble(_ bytes: [UInt8]) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("isola-x86-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("code.bin")
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/objdump")
        process.arguments = ["-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var lines: [String] = []
        for line in output.split(separator: "\n") {
            // "   0:\t48 89 d8             \tmov    rax,rbx"
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, fields[0].hasSuffix(":") else { continue }
            let text = fields[2...].joined(separator: " ")
            lines.append(text.split(whereSeparator: { $0 == " " }).joined(separator: " "))
        }
        return lines
    }

    static func expect(_ build: (inout X86Assembler) -> Void, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var a = X86Assembler()
        build(&a)
        let text = try disassemble(a.finish())
        #expect(text == expected, sourceLocation: sourceLocation)
    }

    @Test func movesBetweenRegistersAndMemory() throws {
        try Self.expect({ a in
            a.mov(.rax, .rbx)
            a.mov(.r12, .r15)
            a.mov(.rax, .memory(X86Memory(.rbx, 8)))
            a.mov(.r13, .memory(X86Memory(.rbx, 0x208)))
            a.mov(.rcx, .memory(X86Memory(.rsp)), wide: true)
            a.mov(.rdx, .memory(X86Memory(.r12, 16)))
            a.mov(.rsi, .memory(X86Memory(.rbp)))
            a.mov(.rdi, .memory(X86Memory(.r13)))
            a.mov(.rax, .register(.rcx), wide: false)
            a.store(X86Memory(.rbx, 0x100), .r9)
            a.store(X86Memory(.rbx, -8), .rax)
            a.store(X86Memory(.rbx, 0x18), immediate: -1)
        }, [
            "mov rax,rbx", "mov r12,r15",
            "mov rax,QWORD PTR [rbx+0x8]", "mov r13,QWORD PTR [rbx+0x208]",
            "mov rcx,QWORD PTR [rsp]", "mov rdx,QWORD PTR [r12+0x10]",
            "mov rsi,QWORD PTR [rbp+0x0]", "mov rdi,QWORD PTR [r13+0x0]",
            "mov eax,ecx",
            "mov QWORD PTR [rbx+0x100],r9", "mov QWORD PTR [rbx-0x8],rax",
            "mov QWORD PTR [rbx+0x18],0xffffffffffffffff",
        ])
    }

    @Test func loadsAndStoresOfEverySize() throws {
        let m = X86Memory(.rsi, index: .rdx)
        try Self.expect({ a in
            a.load(.rax, m, size: 1, signed: true)
            a.load(.rax, m, size: 1, signed: false)
            a.load(.r8, m, size: 2, signed: true)
            a.load(.rax, m, size: 2, signed: false)
            a.load(.rax, m, size: 4, signed: true)
            a.load(.r11, m, size: 4, signed: false)
            a.load(.rax, m, size: 8, signed: false)
            a.load(.rax, X86Memory(.r13, index: .r12), size: 8, signed: false)
            a.store(m, .rax, size: 1)
            a.store(m, .rsi, size: 1)
            a.store(m, .r9, size: 2)
            a.store(m, .rcx, size: 4)
            a.store(m, .r10, size: 8)
        }, [
            "movsx rax,BYTE PTR [rsi+rdx*1]", "movzx eax,BYTE PTR [rsi+rdx*1]",
            "movsx r8,WORD PTR [rsi+rdx*1]", "movzx eax,WORD PTR [rsi+rdx*1]",
            "movsxd rax,DWORD PTR [rsi+rdx*1]", "mov r11d,DWORD PTR [rsi+rdx*1]",
            "mov rax,QWORD PTR [rsi+rdx*1]", "mov rax,QWORD PTR [r13+r12*1+0x0]",
            "mov BYTE PTR [rsi+rdx*1],al", "mov BYTE PTR [rsi+rdx*1],sil",
            "mov WORD PTR [rsi+rdx*1],r9w", "mov DWORD PTR [rsi+rdx*1],ecx",
            "mov QWORD PTR [rsi+rdx*1],r10",
        ])
    }

    @Test func constantsTakeTheShortestForm() throws {
        try Self.expect({ a in
            a.mov(.rax, immediate: 0)
            a.mov(.r9, immediate: 0)
            a.mov(.rcx, immediate: 0x8000_0000)
            a.mov(.r12, immediate: 0xFFFF_FFFF)
            a.mov(.rdx, immediate: UInt64(bitPattern: -2))
            a.mov(.r15, immediate: 0x1234_5678_9ABC_DEF0)
        }, [
            "xor eax,eax", "xor r9d,r9d", "mov ecx,0x80000000", "mov r12d,0xffffffff",
            "mov rdx,0xfffffffffffffffe", "movabs r15,0x123456789abcdef0",
        ])
    }

    @Test func arithmetic() throws {
        try Self.expect({ a in
            a.alu(.add, .rax, .register(.rcx))
            a.alu(.sub, .r8, .memory(X86Memory(.rbx, 0x40)))
            a.alu(.and, .rax, .register(.r15))
            a.alu(.or, .r14, .register(.rax))
            a.alu(.xor, .rdx, .register(.rdx), wide: false)
            a.alu(.cmp, .rax, .memory(X86Memory(.rbx, 0x220)))
            a.alu(.add, .rax, immediate: 5)
            a.alu(.add, .r10, immediate: -2048)
            a.alu(.and, .rax, immediate: 0xFFF, wide: false)
            a.alu(.cmp, .rcx, immediate: 4088, wide: false)
            a.alu(.add, X86Memory(.rbx, 0x210), immediate: 6)
            a.alu(.cmp, X86Memory(.rbx, 0x220), immediate: 0, size: 4)
            a.alu(.add, X86Memory(.rbx, 0x210), .rcx)
            a.test(.rax, .rax)
            a.test(.rax, .rax, wide: false)
            a.imul(.rax, .register(.r9))
            a.imul(.rax, .memory(X86Memory(.rbx, 0x10)), wide: false)
            a.multiplyWide(.register(.rcx), signed: true)
            a.multiplyWide(.register(.r11), signed: false)
            a.signExtend32(.rax, .rax)
            a.signExtend32(.r12, .rcx)
            a.zeroExtend8(.rax, .rcx)
            a.zeroExtend8(.rax, .rsi)
            a.lea(.rsi, X86Memory(.rsi, -16))
            a.lea(.rbp, X86Memory(.r15, 3), wide: false)
            a.lea(.rsi, X86Memory(.r13, 0x60))
            a.lea(.r12, X86Memory(.rcx, index: .rbp, scale: 8))
        }, [
            "add rax,rcx", "sub r8,QWORD PTR [rbx+0x40]", "and rax,r15", "or r14,rax", "xor edx,edx",
            "cmp rax,QWORD PTR [rbx+0x220]", "add rax,0x5", "add r10,0xfffffffffffff800",
            "and eax,0xfff", "cmp ecx,0xff8", "add QWORD PTR [rbx+0x210],0x6",
            "cmp DWORD PTR [rbx+0x220],0x0", "add QWORD PTR [rbx+0x210],rcx",
            "test rax,rax", "test eax,eax", "imul rax,r9", "imul eax,DWORD PTR [rbx+0x10]",
            "imul rcx", "mul r11", "movsxd rax,eax", "movsxd r12,ecx", "movzx eax,cl", "movzx eax,sil",
            "lea rsi,[rsi-0x10]", "lea ebp,[r15+0x3]", "lea rsi,[r13+0x60]", "lea r12,[rcx+rbp*8]",
        ])
    }

    /// A patchable immediate keeps its 32-bit form even when it would fit in a byte,
    /// and the answered offset is where it sits: patching it changes the compare.
    @Test func patchableImmediate() throws {
        var a = X86Assembler()
        a.mov(.rax, .rbx)
        let at = a.alu(.cmp, X86Memory(.rbx, 0x278), patchableImmediate: 5)
        var bytes = a.finish()
        #expect(at == bytes.count - 4)
        #expect(try Self.disassemble(bytes) == ["mov rax,rbx", "cmp QWORD PTR [rbx+0x278],0x5"])
        bytes[at] = 0x34
        bytes[at + 1] = 0x12
        #expect(try Self.disassemble(bytes) == ["mov rax,rbx", "cmp QWORD PTR [rbx+0x278],0x1234"])
    }

    @Test func scalarDoubles() throws {
        try Self.expect({ a in
            a.loadDouble(.xmm0, X86Memory(.rbx, 0x108))
            a.loadDouble(.xmm1, X86Memory(.rsi, index: .rdx))
            a.storeDouble(X86Memory(.rbx, 0x118), .xmm0)
            a.storeDouble(X86Memory(.r13, 8), .xmm1)
            a.scalarDouble(.add, .xmm0, X86Memory(.rbx, 0x110))
            a.scalarDouble(.sub, .xmm0, X86Memory(.rbx, 0x110))
            a.scalarDouble(.mul, .xmm1, X86Memory(.rbx, 0x8))
            a.scalarDouble(.div, .xmm0, X86Memory(.rbx, 0x200))
            a.scalarDouble(.sqrt, .xmm0, X86Memory(.rbx, 0x108))
            a.movq(.rax, .xmm0)
            a.movq(.r9, .xmm1)
            a.compareDouble(.xmm0, X86Memory(.rbx, 0x110))
            a.fusedMultiply(.add, .xmm0, .xmm1, X86Memory(.rbx, 0x120))
            a.fusedMultiply(.subtract, .xmm0, .xmm1, X86Memory(.rbx, 0x120))
            a.fusedMultiply(.negatedAdd, .xmm0, .xmm1, X86Memory(.rbx, 0x120))
            a.fusedMultiply(.negatedSubtract, .xmm2, .xmm3, X86Memory(.rbx, 0x8))
        }, [
            "movsd xmm0,QWORD PTR [rbx+0x108]", "movsd xmm1,QWORD PTR [rsi+rdx*1]",
            "movsd QWORD PTR [rbx+0x118],xmm0", "movsd QWORD PTR [r13+0x8],xmm1",
            "addsd xmm0,QWORD PTR [rbx+0x110]", "subsd xmm0,QWORD PTR [rbx+0x110]", "mulsd xmm1,QWORD PTR [rbx+0x8]",
            "divsd xmm0,QWORD PTR [rbx+0x200]", "sqrtsd xmm0,QWORD PTR [rbx+0x108]",
            "movq rax,xmm0", "movq r9,xmm1", "ucomisd xmm0,QWORD PTR [rbx+0x110]",
            "vfmadd213sd xmm0,xmm1,QWORD PTR [rbx+0x120]", "vfmsub213sd xmm0,xmm1,QWORD PTR [rbx+0x120]",
            "vfnmadd213sd xmm0,xmm1,QWORD PTR [rbx+0x120]", "vfnmsub213sd xmm2,xmm3,QWORD PTR [rbx+0x8]",
        ])
    }

    @Test func lockedReadModifyWrite() throws {
        try Self.expect({ a in
            a.lockedExchangeAdd(X86Memory(.rsi, index: .rdx), .rax, wide: true)
            a.lockedExchangeAdd(X86Memory(.rsi, index: .rdx), .r9, wide: false)
            a.exchange(X86Memory(.rsi, index: .rdx), .rax, wide: true)
            a.exchange(X86Memory(.rsi, index: .rdx), .r12, wide: false)
            a.memoryFence()
        }, [
            "lock xadd QWORD PTR [rsi+rdx*1],rax", "lock xadd DWORD PTR [rsi+rdx*1],r9d",
            "xchg QWORD PTR [rsi+rdx*1],rax", "xchg DWORD PTR [rsi+rdx*1],r12d", "mfence",
        ])
    }

    @Test func shiftsAndConditions() throws {
        try Self.expect({ a in
            a.shift(.shl, .rax, immediate: 3)
            a.shift(.shr, .r9, immediate: 12)
            a.shift(.sar, .rax, immediate: 63)
            a.shift(.shl, .rax, immediate: 31, wide: false)
            a.shift(.ror, .rdx, immediate: 7)
            a.shiftByCL(.shl, .rax)
            a.shiftByCL(.sar, .r10, wide: false)
            a.shiftByCL(.rol, .rax)
            a.set(.less, .rcx)
            a.set(.below, .rsi)
            a.set(.equal, .r8)
        }, [
            "shl rax,0x3", "shr r9,0xc", "sar rax,0x3f", "shl eax,0x1f", "ror rdx,0x7",
            "shl rax,cl", "sar r10d,cl", "rol rax,cl", "setl cl", "setb sil", "sete r8b",
        ])
    }

    @Test func controlFlow() throws {
        var a = X86Assembler(origin: 0x1000)
        let back = a.makeLabel()
        let forward = a.makeLabel()
        a.bind(back)
        a.push(.rbx)
        a.push(.r15)
        a.jump(.notEqual, forward)
        a.jump(back)
        a.jump(toAddress: 0x1000)
        a.jump(.less, toAddress: 0x2000)
        a.bind(forward)
        a.jumpIndirect(.register(.rsi))
        a.jumpIndirect(.memory(X86Memory(.rcx, 8)))
        a.call(.rax)
        a.pop(.r15)
        a.pop(.rbx)
        a.ret()
        let text = try Self.disassemble(a.finish())
        // objdump prints targets relative to the start of the file (origin 0x1000 = file offset 0).
        #expect(text == [
            "push rbx", "push r15", "jne 0x19", "jmp 0x0", "jmp 0x0", "jl 0x1000",
            "jmp rsi", "jmp QWORD PTR [rcx+0x8]", "call rax", "pop r15", "pop rbx", "ret",
        ])
    }

    /// What moves with the code: a call through memory and an address taken relative to rip.
    @Test func positionIndependentForms() throws {
        var a = X86Assembler(origin: 0x1000)
        a.callIndirect(.memory(X86Memory(.rbx, 0x298)))  // 6 bytes
        a.leaRelative(.rcx, address: 0x1000)             // at 0x1006, 7 bytes: rip 0x100d
        a.leaRelative(.r9, address: 0x1100)
        let text = try Self.disassemble(a.finish())
        #expect(text == [
            "call QWORD PTR [rbx+0x298]",
            "lea rcx,[rip+0xfffffffffffffff3] # 0x0",
            "lea r9,[rip+0xec] # 0x100",
        ])
    }
}
