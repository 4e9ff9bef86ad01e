import ArgumentParser
import IsolaCore
import IsolaHost
import IsolaRISCV
import IsolaVMM
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boot a RISC-V machine.",
        discussion: """
        With --bios, hart 0 (and every other hart) starts in M-mode at the image's entry: \
        an ELF is loaded by its segments' physical addresses, anything else as a raw binary at \
        0x80000000. The exit status is the guest's: 0 after a test-finisher pass (0x5555) or \
        HTIF exit 1, the guest's code after a failure, 1 after a crash the monitor detects, \
        2 for bad arguments or images.
        """
    )

    @Option(name: .long, help: "M-mode firmware or bare-metal program (ELF or raw binary).")
    var bios: String

    @Option(name: .long, help: "Guest RAM size, e.g. 128M or 1G.")
    var memory: String = "128M"

    @Option(name: .long, help: "Number of harts.")
    var cpus: Int = 1

    @Flag(name: .long, help: "Print each retired instruction (pc, disassembly, written register) to stderr.")
    var trace = false

    @Flag(name: .long, help: "Print instructions retired, time and MIPS to stderr on exit.")
    var stats = false

    @Flag(name: .shortAndLong, help: "Log what the monitor does (machine set-up, how the guest ended) to stderr.")
    var verbose = false

    func run() throws {
        do {
            var configuration = RISCVMachine.Configuration()
            configuration.memoryInBytes = try MemorySize.parse(memory)
            configuration.hartCount = cpus
            var job = BareMetalRun(firmwarePath: bios, configuration: configuration)
            job.trace = trace
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            job.logger.logLevel = verbose ? .info : .warning
            let console = ConsoleOutput()
            let result = try job.run(console: console)
            if case let .crashed(reason) = result.outcome {
                HostOutput.standardError.write("isola: guest crashed: \(reason)\n")
            }
            if stats {
                let mips = Double(result.instructionsRetired) / result.seconds / 1e6
                HostOutput.standardError.write(
                    "isola: \(result.instructionsRetired) instructions in \(String(format3(result.seconds))) s, \(String(format1(mips))) MIPS\n")
            }
            throw ExitCode(result.exitStatus)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            HostOutput.standardError.write("isola: \(error)\n")
            throw ExitCode(2)
        }
    }
}

func format3(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
func format1(_ v: Double) -> String { String((v * 10).rounded() / 10) }
