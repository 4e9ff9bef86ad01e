// Boots Linux in a VM, types a command and reads its answer, saves the VM's state,
// restores it into a second VM and shows that the shell there goes on.
//   swift run -c release EmbedLinux KERNEL INITRAMFS   (Isola's default image: make images)
import Foundation
import IsolaKit

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: EmbedLinux KERNEL INITRAMFS")
    exit(2)
}
var configuration = VirtualMachineConfiguration(bootLoader: .linux(
    kernelPath: arguments[1], initialRamdiskPath: arguments[2], commandLine: VirtualMachineConfiguration.defaultCommandLine))
configuration.memorySizeInBytes = 256 << 20

/// Reads `output` until `text` shows, and answers what was read (all of it, if the VM stopped first).
func read(_ output: AsyncStream<[UInt8]>, until text: String) async -> String {
    var seen = ""
    for await chunk in output {
        seen += String(decoding: chunk, as: UTF8.self)
        if seen.contains(text) { break }
    }
    return seen
}

/// Types `command` on `vm`'s console and answers the first line it prints (after the echo of the command).
func run(_ command: String, on vm: VirtualMachine) async -> String {
    let output = vm.consoleOutput()
    vm.writeToConsole(command + "\n")
    let lines = await read(output, until: "\n/ # ").split(whereSeparator: \.isNewline)  // the tty ends lines with \r\n
    return lines.count > 1 ? String(lines[1]) : ""
}

let first = try VirtualMachine(configuration: configuration)
let boot = first.consoleOutput()
try await first.start()
_ = await read(boot, until: "/ # ")
print("first VM:", await run("echo $((6*7)); x=saved-before-the-snapshot", on: first))
try await first.pause()
try await first.saveState(to: "/tmp/embed-linux.snapshot")
try await first.stop()

let second = try VirtualMachine(configuration: configuration)
try await second.restoreState(from: "/tmp/embed-linux.snapshot")
try await second.resume()
print("second VM:", await run("echo $x", on: second))
second.writeToConsole("poweroff\n")
print("second VM ended:", await second.waitUntilStopped())
