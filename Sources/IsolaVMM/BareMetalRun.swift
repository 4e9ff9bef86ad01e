import IsolaCore
import IsolaHost
import IsolaRISCV
import Logging

/// Runs firmware or a bare-metal program on a fresh RISC-V machine: what
/// `isola run --bios FILE` does.
public struct BareMetalRun {
    public struct Result: Sendable {
        public let outcome: RISCVMachine.Outcome
        public let instructionsRetired: UInt64
        public let seconds: Double

        /// The process exit status: the guest's own for poweroff, 1 for a crash.
        public var exitStatus: Int32 {
            switch outcome {
            case let .poweroff(code): return code
            case .reset, .stopped: return 0
            case .crashed: return 1
            }
        }
    }

    public var configuration: RISCVMachine.Configuration
    public var firmwarePath: String
    public var trace = false
    public var logger = Logger(label: "isola.vmm")

    public init(firmwarePath: String, configuration: RISCVMachine.Configuration) {
        self.firmwarePath = firmwarePath
        self.configuration = configuration
    }

    public func run(console: ByteSink) throws -> Result {
        let machine = try RISCVMachine(configuration: configuration, console: console)
        let loaded = try machine.loadFirmware(path: firmwarePath)
        logger.info("machine created", metadata: [
            "harts": "\(configuration.hartCount)", "memory": "\(configuration.memoryInBytes >> 20) MiB",
            "firmware": "\(firmwarePath)", "entry": "0x\(String(loaded.entry, radix: 16))",
            "htif": "\(loaded.symbols["tohost"] != nil)",
        ])
        if trace {
            let tracer = InstructionTracer()
            for hart in machine.harts { hart.tracer = tracer }
        }
        let start = HostClock.monotonicNanoseconds()
        let outcome = try machine.run()
        let seconds = Double(HostClock.monotonicNanoseconds() - start) / 1e9
        logger.info("machine stopped", metadata: [
            "outcome": "\(outcome)", "instructions": "\(machine.instructionsRetired)",
            "seconds": "\(seconds)",
        ])
        return Result(outcome: outcome, instructionsRetired: machine.instructionsRetired, seconds: seconds)
    }
}
