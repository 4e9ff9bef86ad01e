import IsolaHost
import IsolaRISCV

/// Loads a riscv64 Linux executable into a `UserMemory` and builds its initial
/// stack (argc, argv, envp, auxiliary vector) as the Linux kernel's ELF loader does.
public struct ProgramLoader {
    /// Where position-independent executables go (like Linux's ELF_ET_DYN_BASE).
    static let pieBase: UInt64 = 0x2_AAAA_A000
    public static let stackTop: UInt64 = 0x3F_FFFF_F000
    static let stackSize: UInt64 = 8 << 20

    public struct Loaded {
        public let entry: UInt64
        public let stackPointer: UInt64
        /// The first address past the program's data: where brk starts.
        public let programBreak: UInt64
        /// What /proc/self/maps calls the ranges mapped here.
        let names: [MappingName]
        /// The auxiliary vector as the stack holds it, for /proc/self/auxv.
        let auxiliaryVector: [UInt8]
    }

    /// A file as /proc/self/maps names it: the path the program knows it by, its device and inode.
    struct FileIdentity {
        let path: [UInt8]
        let device: (major: UInt32, minor: UInt32)
        let inode: UInt64

        init(path: [UInt8], hostPath: [UInt8]) {
            self.path = path
            let (r, status) = HostStatus.statx(directory: LinuxKernel.atFDCWD, path: hostPath, flags: 0)
            device = r == 0 ? status.device : (0, 0)
            inode = r == 0 ? status.inode : 0
        }
    }

    /// The auxiliary vector's keys (Linux include/uapi/linux/auxvec.h).
    enum Auxiliary: UInt64 {
        case null = 0, phdr = 3, phent = 4, phnum = 5, pageSize = 6, base = 7, flags = 8, entry = 9
        case uid = 11, euid = 12, gid = 13, egid = 14, hwcap = 16, clockTick = 17, secure = 23, random = 25, execFileName = 31
    }

    /// AT_HWCAP for RV64GC: one bit per single-letter extension (a = bit 0).
    static let hardwareCapabilities: UInt64 = "imafdc".utf8.reduce(UInt64(0)) { $0 | 1 << UInt64($1 - UInt8(ascii: "a")) }

    /// Where the dynamic linker goes when the program has one (like Linux's mmap base).
    static let interpreterBase: UInt64 = 0x20_0000_0000
    /// A page above the stack holding `li a7, 139; ecall` (rt_sigreturn), where signal
    /// handlers return to: the job Linux's vDSO does.
    public static let signalTrampoline: UInt64 = stackTop

    /// Loads `image` (and `interpreter`, its dynamic linker, when it has one) and
    /// builds the initial stack.
    static func load(_ image: ELFImage, path: String, interpreter: ELFImage?, arguments: [[UInt8]], environment: [[UInt8]],
                     into memory: UserMemory, random: [UInt8], files: (program: FileIdentity, interpreter: FileIdentity?)) throws(ProcessError) -> Loaded {
        let bias = image.isPositionIndependent ? pieBase : 0
        var names: [MappingName] = []
        let end = try mapSegments(of: image, bias: bias, path: path, into: memory, file: files.program, names: &names)
        var entry = image.entry &+ bias
        var interpreterBias: UInt64 = 0
        if let interpreter {
            guard interpreter.interpreter == nil else {
                throw .unsupported(path: path, reason: "its interpreter asks for an interpreter of its own")
            }
            interpreterBias = interpreter.isPositionIndependent ? interpreterBase : 0
            _ = try mapSegments(of: interpreter, bias: interpreterBias, path: path, into: memory,
                                file: files.interpreter ?? files.program, names: &names)
            entry = interpreter.entry &+ interpreterBias
        } else if let name = image.interpreter {
            throw .unsupported(path: path, reason: "dynamically linked against \(name), which was not found")
        }
        let trampoline = [UInt8]([0x93, 0x08, 0xB0, 0x08, 0x73, 0x00, 0x00, 0x00])  // addi a7, x0, 139; ecall
        guard memory.map(signalTrampoline, length: UserMemory.pageSize, protection: [.read, .execute]),
              memory.load(trampoline[...], at: signalTrampoline) else { throw .outOfMemory }
        names.append(MappingName(start: signalTrampoline, end: signalTrampoline + UserMemory.pageSize, name: Array("[vdso]".utf8)))
        // AT_PHDR: the program headers as mapped (inside the first segment, which starts at file offset 0).
        let lowest = image.segments.map { $0.virtualAddress }.min() ?? 0
        let phdr = lowest &+ bias &+ image.programHeaderOffset

        guard memory.map(stackTop - stackSize, length: stackSize, protection: [.read, .write]) else { throw .outOfMemory }
        names.append(MappingName(start: stackTop - stackSize, end: stackTop, name: Array("[stack]".utf8)))
        // Strings and AT_RANDOM's 16 bytes at the top, then the vectors below, 16-byte aligned.
        var top = stackTop
        func push(_ bytes: [UInt8]) throws(ProcessError) -> UInt64 {
            top -= UInt64(bytes.count)
            guard memory.write(bytes, at: top) else { throw .outOfMemory }
            return top
        }
        let fileName = try push(Array(path.utf8) + [0])
        let randomAddress = try push(random)
        var argumentAddresses: [UInt64] = []
        for argument in arguments { argumentAddresses.append(try push(argument + [0])) }
        var environmentAddresses: [UInt64] = []
        for variable in environment { environmentAddresses.append(try push(variable + [0])) }
        let auxiliary: [(Auxiliary, UInt64)] = [
            (.phdr, phdr), (.phent, UInt64(image.programHeaderEntrySize)), (.phnum, UInt64(image.programHeaderCount)),
            (.pageSize, UserMemory.pageSize), (.base, interpreterBias), (.flags, 0), (.entry, image.entry &+ bias),
            (.uid, identity(174)), (.euid, identity(175)), (.gid, identity(176)), (.egid, identity(177)), (.hwcap, hardwareCapabilities), (.clockTick, 100),
            (.secure, 0), (.random, randomAddress), (.execFileName, fileName), (.null, 0),
        ]
        var vector: [UInt64] = []
        for (key, value) in auxiliary { vector += [key.rawValue, value] }
        let words: [UInt64] = [UInt64(arguments.count)] + argumentAddresses + [0] + environmentAddresses + [0] + vector
        top = (top - UInt64(words.count * 8)) & ~15
        var bytes: [UInt8] = []
        // SAFETY: each word's own 8 bytes, copied inside the closure.
        for word in words { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        guard memory.write(bytes, at: top) else { throw .outOfMemory }
        return Loaded(entry: entry, stackPointer: top, programBreak: end, names: names.sorted { $0.start < $1.start },
                      auxiliaryVector: LinuxKernel.words(vector))
    }

    /// The host's user and group ids (getuid 174 … getegid 177), which the program shares.
    static func identity(_ number: Int) -> UInt64 {
        UInt64(max(0, HostSystemCall.invoke(SystemCallTable.host(number))))
    }

    /// Maps an image's PT_LOAD segments at `bias` with their protections; answers the end of the last.
    static func mapSegments(of image: ELFImage, bias: UInt64, path: String, into memory: UserMemory, file: FileIdentity,
                            names: inout [MappingName]) throws(ProcessError) -> UInt64 {
        var end: UInt64 = 0
        for segment in image.segments {
            let start = (segment.virtualAddress &+ bias) & ~(UserMemory.pageSize - 1)
            let (limit, overflow) = (segment.virtualAddress &+ bias).addingReportingOverflow(segment.memorySize)
            guard !overflow, limit <= stackTop - stackSize else {
                throw .unsupported(path: path, reason: "segment at 0x\(String(segment.virtualAddress, radix: 16)) lies outside the user address space")
            }
            var protection: UserMemory.Protection = []
            if segment.flags & 4 != 0 { protection.insert(.read) }
            if segment.flags & 2 != 0 { protection.insert(.write) }
            if segment.flags & 1 != 0 { protection.insert(.execute) }
            let pageEnd = (limit + UserMemory.pageSize - 1) & ~(UserMemory.pageSize - 1)
            guard memory.map(start, length: pageEnd - start, protection: protection),
                  memory.load(segment.fileBytes, at: segment.virtualAddress &+ bias) else { throw .outOfMemory }
            end = max(end, pageEnd)
            names.append(MappingName(start: start, end: pageEnd, name: file.path,
                                     offset: UInt64(segment.fileBytes.startIndex) & ~(UserMemory.pageSize - 1),
                                     device: file.device, inode: file.inode))
        }
        return end
    }
}
