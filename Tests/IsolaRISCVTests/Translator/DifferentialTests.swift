import IsolaCore
import IsolaHost
import IsolaRISCV
import Testing

/// The interpreter is the translator's oracle: seeded random instruction streams
/// run unit by unit under both engines, and after every unit the whole
/// architectural state (registers, pc, privilege, every CSR, instret) and the
/// memory the stream can write must be the same (every fourth step runs several
/// units, through the direct links between them). `make fuzz` runs it for as long
/// as ISOLA_DIFF_SECONDS says; a failure prints the seed and the stream.
@Suite struct DifferentialTests {
    /// Seeds run by `make test` (a fixed budget).
    static let fixedSeeds: UInt64 = 1000

    @Test func randomStreamsAgreeUnitByUnit() throws {
        let pair = try EnginePair()
        if let seconds = HostEnvironment.value("ISOLA_DIFF_SECONDS").flatMap(Double.init) {
            let start = HostClock.monotonicNanoseconds()
            var seed = HostEnvironment.value("ISOLA_DIFF_FIRST_SEED").flatMap(UInt64.init) ?? 1
            var streams = 0
            while Double(HostClock.monotonicNanoseconds() - start) / 1e9 < seconds {
                if let failure = pair.run(seed: seed) { Issue.record(Comment(rawValue: failure)); return }
                seed += 1
                streams += 1
            }
            print("differential: \(streams) streams agree (seeds up to \(seed - 1))")
        } else {
            for seed in 1...DifferentialTests.fixedSeeds {
                if let failure = pair.run(seed: seed) { Issue.record(Comment(rawValue: failure)); return }
            }
            // The streams really ran, and under the translator (not all in traps or the interpreter).
            #expect(pair.retired > DifferentialTests.fixedSeeds * 100)
            let units = pair.translator.translatorStatistics?.unitsTranslated ?? 0
            #expect(units > Int(DifferentialTests.fixedSeeds) * 10)
            #expect((pair.translator.translatorStatistics?.linksMade ?? 0) > Int(DifferentialTests.fixedSeeds))
        }
    }

    /// The tester must be able to fail: a hart whose register differs is reported.
    @Test func aDifferenceIsReported() throws {
        let pair = try EnginePair()
        #expect(pair.run(seed: 7, corruptAfterFirstUnit: true)?.contains("seed 7") == true)
    }
}

/// Two one-hart machines, one per engine, loaded with the same stream.
final class EnginePair {
    static let codeBase: UInt64 = 0x8000_0000
    static let handler: UInt64 = 0x8000_F000
    /// The data the stream's loads and stores reach: a page boundary sits in the middle.
    static let dataBase: UInt64 = 0x8008_1000
    static let dataWindow: UInt64 = 0x2000
    static let instructionsPerStream = 200

    let interpreter: RISCVMachine
    let translator: RISCVMachine
    /// Instructions retired over every stream run so far.
    private(set) var retired: UInt64 = 0

    init() throws {
        func machine(_ engine: ExecutionEngine) throws -> RISCVMachine {
            var c = RISCVMachine.Configuration(memoryInBytes: 1 << 20, hartCount: 1)
            c.engine = engine
            c.entropy = false
            c.balloon = false
            c.virtioConsole = false
            c.codeCacheBytes = 4 << 20
            c.translationThreshold = 1  // every unit translated the first time: that is what is compared
            return try RISCVMachine(configuration: c, console: DiscardSink())
        }
        interpreter = try machine(.interpreter)
        translator = try machine(.jit)
    }

    /// Runs one seed; answers a description of the first difference, or nil.
    func run(seed: UInt64, corruptAfterFirstUnit: Bool = false) -> String? {
        var random = SplitMix(seed: seed)
        let stream = RandomStream.make(&random, count: EnginePair.instructionsPerStream)
        let registers = (0..<32).map { _ in random.next() }
        for machine in [interpreter, translator] { load(stream, registers: registers, into: machine) }
        guard translator.harts[0].isTranslating else { return "seed \(seed): the translator is not running" }
        let a = interpreter.harts[0], b = translator.harts[0]
        let start = b.instret
        var steps = 0
        while b.instret &- start < UInt64(EnginePair.instructionsPerStream) * 2 && steps < 2000 {
            steps += 1
            // Mostly unit by unit; every fourth step runs on through several units, so
            // jumps between units of the page get linked and then taken directly.
            b.execute(budget: steps % 4 == 0 ? 64 : 1)
            if corruptAfterFirstUnit && steps == 1 { b.x[5] ^= 1 }
            var guardSteps = 0
            while (a.instret < b.instret || (a.instret == b.instret && a.pc != b.pc)) && guardSteps < 64 {
                a.execute(budget: max(1, Int(b.instret &- a.instret)))
                guardSteps += 1
            }
            if let difference = compare(a, b) {
                return "seed \(seed), unit \(steps) (instret \(b.instret), pc 0x\(String(b.pc, radix: 16))): \(difference)\n"
                    + stream.listing
            }
        }
        retired &+= b.instret &- start
        return nil
    }

    private func load(_ stream: RandomStream, registers: [UInt64], into machine: RISCVMachine) {
        let ram = machine.context.ram
        // SAFETY: the whole 1 MiB of RAM is zeroed through its host mapping.
        ram.host.initializeMemory(as: UInt8.self, repeating: 0, count: Int(ram.size))
        try? ram.write(stream.bytes, at: EnginePair.codeBase)
        try? ram.write(RandomStream.handlerBytes, at: EnginePair.handler)
        for i in 0..<Int(EnginePair.dataWindow / 8) {
            let value = SplitMix.mix(UInt64(i) &+ 0x1234)
            try? ram.write(withUnsafeBytes(of: value.littleEndian, Array.init),
                           at: EnginePair.dataBase - EnginePair.dataWindow / 2 + UInt64(8 * i))
        }
        let hart = machine.harts[0]
        hart.reset(entry: EnginePair.codeBase)
        hart.flushTranslations()
        // A guest crash in the last stream (a trap handler it broke) posted a request no run loop takes.
        hart.exitRequests.store(0, ordering: .relaxed)
        for i in 1..<32 { hart.x[i] = registers[i] }
        for i in 0..<32 { hart.f[i] = registers[(i + 7) % 32] }
        hart.x[8] = EnginePair.dataBase          // s0, s1: bases into the data window
        hart.x[9] = EnginePair.dataBase + 8
        hart.x[18] = EnginePair.codeBase + 0x100 // s2: stores through it rewrite code ahead
    }

    private func compare(_ a: Hart, _ b: Hart) -> String? {
        var sa = SnapshotWriter(), sb = SnapshotWriter()
        a.saveState(into: &sa)
        b.saveState(into: &sb)
        if sa.bytes != sb.bytes {
            var what: [String] = []
            if a.pc != b.pc { what.append("pc 0x\(String(a.pc, radix: 16)) (interpreter) vs 0x\(String(b.pc, radix: 16))") }
            if a.instret != b.instret { what.append("instret \(a.instret) vs \(b.instret)") }
            for i in 0..<32 where a.x[i] != b.x[i] { what.append("x\(i) 0x\(String(a.x[i], radix: 16)) vs 0x\(String(b.x[i], radix: 16))") }
            for i in 0..<32 where a.f[i] != b.f[i] { what.append("f\(i) 0x\(String(a.f[i], radix: 16)) vs 0x\(String(b.f[i], radix: 16))") }
            return what.isEmpty ? "CSR state differs" : what.joined(separator: ", ")
        }
        for (start, length) in [(EnginePair.dataBase - EnginePair.dataWindow / 2, EnginePair.dataWindow), (EnginePair.codeBase, UInt64(0x1000))] {
            let pa = interpreter.context.ram.hostPointer(start), pb = translator.context.ram.hostPointer(start)
            for offset in 0..<Int(length) where pa.load(fromByteOffset: offset, as: UInt8.self) != pb.load(fromByteOffset: offset, as: UInt8.self) {
                return "memory at 0x\(String(start + UInt64(offset), radix: 16)) differs"
            }
        }
        return nil
    }
}

/// A console that drops what it is given.
final class DiscardSink: ByteSink {
    func write(byte: UInt8) {}
    func flush() {}
}
