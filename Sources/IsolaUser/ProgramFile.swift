import IsolaHost

/// What kind of program a file is, from its first bytes: a riscv64 ELF executable,
/// a `#!` script whose interpreter runs it, or one of the host's own executables.
enum ProgramFile: Equatable {
    case elf
    /// An ELF for the host's machine: an execve runs it natively, as qemu-user does.
    case hostNative
    /// The interpreter's path and its optional single argument.
    case script(interpreter: [UInt8], argument: [UInt8]?)

    static func kind(ofHostPath path: [UInt8]) -> ProgramFile? {
        guard let head = try? HostFile.readPrefix(String(decoding: path, as: UTF8.self), count: 256) else { return nil }
        return kind(of: head)
    }

    static func kind(of head: [UInt8]) -> ProgramFile? {
        if head.count >= 20 && head[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]) && head[4] == 2 && head[18] == 243 && head[19] == 0 {
            return .elf
        }
        #if arch(x86_64)
        let hostMachine: UInt8 = 62
        #else
        let hostMachine: UInt8 = 183
        #endif
        if head.count >= 20 && head[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]) && head[18] == hostMachine && head[19] == 0 {
            return .hostNative
        }
        guard head.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) else { return nil }
        // Linux: the first line, the interpreter up to a blank, then the rest as one argument.
        let line = head.dropFirst(2).prefix { $0 != UInt8(ascii: "\n") }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let trimmed = line.drop(while: blank)
        let interpreter = Array(trimmed.prefix { !blank($0) })
        guard !interpreter.isEmpty else { return nil }
        var rest = Array(trimmed.dropFirst(interpreter.count).drop(while: blank))
        while let last = rest.last, blank(last) || last == UInt8(ascii: "\r") { rest.removeLast() }
        return .script(interpreter: interpreter, argument: rest.isEmpty ? nil : rest)
    }
}
