import ArgumentParser
import FoundationEssentials
import IsolaHost
import IsolaHypervisor
import IsolaVMM

/// `isola vm …`: clients of the hypervisor's control API (`isola serve`).
struct VMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Drive the VMs of a running hypervisor ('isola serve') through its API.",
        subcommands: [List.self, CreateVM.self, Info.self, Start.self, Pause.self, Resume.self, Stop.self,
                      SnapshotVM.self, RestoreVM.self, Set.self, Console.self, Remove.self]
    )

    struct Connection: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("The hypervisor's API socket (default: $ISOLA_SOCKET, else api.sock in the default state directory).", valueName: "path"))
        var socket: String?

        var client: APIClient { APIClient(socketPath: socket ?? HypervisorPaths.defaultSocket) }

        /// Sends a request; a 4xx or 5xx answer becomes the error message it carries.
        @discardableResult
        func call(_ method: String, _ path: String, json body: String? = nil) throws -> APIClient.Response {
            let response = try client.request(method, path, json: body)
            guard response.status < 400 else {
                struct Failure: Decodable { var error: String }
                let message = (try? JSONDecoder().decode(Failure.self, from: Data(response.body)))?.error ?? response.text
                throw ValidationError(message)
            }
            return response
        }

        func vm(_ method: String, _ path: String, json body: String? = nil) throws -> VMInfo {
            let response = try call(method, path, json: body)
            return try JSONDecoder().decode(VMInfo.self, from: Data(response.body))
        }
    }

    struct Name: ParsableArguments {
        @Argument(help: "The VM's name.")
        var name: String

        var path: String { "/vms/" + name }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the VMs: state, vCPUs, memory, CPU use, uptime.")
        @OptionGroup var connection: Connection

        func run() throws {
            try reportingErrors {
                let vms = try JSONDecoder().decode([VMInfo].self, from: Data(try connection.call("GET", "/vms").body))
                var rows = [["NAME", "STATE", "VCPUS", "MEMORY", "CPU%", "UPTIME", "RESTARTS", "HOST CPUS"]]
                for vm in vms {
                    rows.append([vm.name, vm.state.rawValue, vm.vcpusOnline.map { "\($0)/\(vm.vcpus)" } ?? "\(vm.vcpus)", vm.memory,
                                 vm.cpuPercent.map { format1($0) } ?? "-", vm.uptimeSeconds.map(duration) ?? "-", "\(vm.restarts)",
                                 vm.cpu.dedicated.isEmpty ? "shared" : vm.cpu.dedicated.map(String.init).joined(separator: ",")])
                }
                HostOutput.standardOutput.write(table(rows))
            }
        }
    }

    struct CreateVM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a VM in the hypervisor's state directory.")
        @OptionGroup var connection: Connection
        @Argument(help: "The VM's name.") var name: String
        @OptionGroup var machine: MachineOptions
        @Option(name: .long, help: ArgumentHelp("Host CPUs dedicated to this VM alone (a physical partition), e.g. 1 or 2,3.", valueName: "list"))
        var hostCpus: String?
        @Option(name: .long, help: "CPU weight among the VMs that share CPUs, 1 to 10000 (default 100).") var weight: Int?
        @Option(name: .long, help: "CPU cap in percent of one host CPU (50: half a CPU).") var cap: Int?
        @Option(name: .long, help: "Restart policy: never, on-failure or always (default never).") var restart: String?

        func run() throws {
            try reportingErrors {
                let file = try machine.configurationFile(name: name)
                var body: [String: JSONBody] = ["name": .string(name), "memory": .string(file.memory), "vcpus": .int(file.cpus)]
                let here = HostDirectory.current ?? "."
                func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : here + "/" + path }
                if let kernel = file.kernel { body["kernel"] = .string(absolute(kernel)) }
                if let initrd = file.initrd { body["initrd"] = .string(absolute(initrd)) }
                if let bios = file.bios { body["bios"] = .string(absolute(bios)) }
                if let append = file.append { body["append"] = .string(append) }
                if !file.disks.isEmpty {
                    body["disks"] = .array(file.disks.map { disk in
                        var d: [String: JSONBody] = ["path": .string(absolute(disk.path))]
                        if let readonly = disk.readonly { d["readonly"] = .bool(readonly) }
                        if let format = disk.format { d["format"] = .string(format) }
                        return .object(d)
                    })
                }
                if !file.networks.isEmpty { body["networks"] = .array(file.networks.map { .string($0) }) }
                if let shares = file.shares {
                    body["shares"] = .array(shares.map { share in
                        var d: [String: JSONBody] = ["path": .string(share.path), "tag": .string(share.tag)]
                        if let readonly = share.readonly { d["readonly"] = .bool(readonly) }
                        return .object(d)
                    })
                }
                if let hostCpus { body["cpus"] = .array(try cpuList(hostCpus, option: "--host-cpus").map { .int($0) }) }
                if let weight { body["weight"] = .int(weight) }
                if let cap { body["cap"] = .int(cap) }
                if let restart { body["restart"] = .string(restart) }
                let vm = try connection.vm("POST", "/vms", json: JSONBody.object(body).text)
                HostOutput.standardOutput.write("\(vm.name): \(vm.state.rawValue)\n")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one VM as JSON: state, share, last exit, snapshots.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        func run() throws { try reportingErrors { HostOutput.standardOutput.write(try connection.call("GET", vm.path).text + "\n") } }
    }

    struct Start: Action {
        static let configuration = CommandConfiguration(abstract: "Boot a created, stopped or crashed VM.")
        static let action = "start"
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
    }

    struct Pause: Action {
        static let configuration = CommandConfiguration(abstract: "Pause a running VM.")
        static let action = "pause"
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
    }

    struct Resume: Action {
        static let configuration = CommandConfiguration(abstract: "Resume a paused VM.")
        static let action = "resume"
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a VM: ask the guest to power down, then force it after --timeout seconds.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        @Flag(name: .long, help: "Stop at once, without asking the guest.") var force = false
        @Option(name: .long, help: "Seconds the guest has to power down (default 10).") var timeout: Double = 10
        func run() throws {
            try reportingErrors {
                var info = try connection.vm("POST", vm.path + "/stop", json: "{\"force\":\(force),\"timeoutSeconds\":\(timeout)}")
                // A graceful stop goes on in the hypervisor: wait for its end (the window,
                // then at most a quit and a kill).
                let deadline = HostClock.monotonicNanoseconds() &+ UInt64((timeout + 30) * 1e9)
                while info.state == .stopping && HostClock.monotonicNanoseconds() < deadline {
                    HostClock.sleep(nanoseconds: 50_000_000)
                    info = try connection.vm("GET", vm.path)
                }
                report(info)
                if info.state == .stopping {
                    HostOutput.standardError.write("isola: \(vm.name) is still stopping \(Int(timeout) + 30) s later; 'isola vm stop --force \(vm.name)' ends it\n")
                    throw ExitCode.failure
                }
            }
        }
    }

    struct SnapshotVM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "Save a snapshot of a running or paused VM.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        @Argument(help: "The snapshot's tag.") var tag: String
        func run() throws {
            try reportingErrors { report(try connection.vm("POST", vm.path + "/snapshots", json: JSONBody.object(["tag": .string(tag)]).text)) }
        }
    }

    struct RestoreVM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Resume a stopped VM from one of its snapshots.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        @Argument(help: "The snapshot's tag.") var tag: String
        @Option(name: .long, help: "Guest time after the restore: resume or sync.") var clock: String = "resume"
        func run() throws {
            try reportingErrors {
                report(try connection.vm("POST", vm.path + "/restore", json: JSONBody.object(["tag": .string(tag), "clock": .string(clock)]).text))
            }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a VM's CPU share, dedicated CPUs, vCPUs online, restart policy or balloon, live.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        @Option(name: .long, help: "CPU weight, 1 to 10000.") var weight: Int?
        @Option(name: .long, help: "CPU cap in percent of one host CPU.") var cap: Int?
        @Flag(name: .long, help: "Remove the CPU cap.") var uncap = false
        @Option(name: .long, help: ArgumentHelp("Dedicated host CPUs, e.g. 1 (empty: share).", valueName: "list")) var hostCpus: String?
        @Option(name: .long, help: "Restart policy: never, on-failure or always.") var restart: String?
        @Option(name: .long, help: ArgumentHelp("Guest RAM to take back through the balloon, in MiB (0 gives it all back).", valueName: "mib")) var balloon: Int?
        @Option(name: .long, help: "vCPUs to have online (the guest takes the others offline).") var vcpus: Int?

        func run() throws {
            try reportingErrors {
                var body: [String: JSONBody] = [:]
                if let weight { body["weight"] = .int(weight) }
                if let cap { body["cap"] = .int(cap) }
                if uncap { body["cap"] = .null }
                if let hostCpus { body["cpus"] = .array(try cpuList(hostCpus, option: "--host-cpus").map { .int($0) }) }
                if let restart { body["restart"] = .string(restart) }
                if let balloon { body["balloonTargetMiB"] = .int(balloon) }
                if let vcpus { body["vcpus"] = .int(vcpus) }
                report(try connection.vm("PATCH", vm.path, json: JSONBody.object(body).text))
            }
        }
    }

    struct Console: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print what the VM's guest printed; --follow goes on until the VM ends (Ctrl-C leaves).")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        @Flag(name: .shortAndLong, help: "Keep printing new output.") var follow = false
        func run() throws {
            try reportingErrors {
                var failed = false
                let response = try connection.client.stream("GET", vm.path + "/console" + (follow ? "?follow=true" : ""),
                                                            onHead: { failed = $0 >= 400 }) { bytes in
                    if !failed { HostOutput.standardOutput.write(bytes) }
                    return true
                }
                if response.status >= 400 { throw ValidationError("VM '\(vm.name)' not found") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a VM that is not running: its bundle, disks and snapshots.")
        @OptionGroup var connection: Connection
        @OptionGroup var vm: Name
        func run() throws { try reportingErrors { try connection.call("DELETE", vm.path) } }
    }
}

/// A command that posts one action without a body (`POST /vms/{name}/ACTION`).
protocol Action: ParsableCommand {
    static var action: String { get }
    var connection: VMCommand.Connection { get }
    var vm: VMCommand.Name { get }
}

extension Action {
    func run() throws { try reportingErrors { report(try connection.vm("POST", vm.path + "/" + Self.action)) } }
}

private func report(_ vm: VMInfo) {
    HostOutput.standardOutput.write("\(vm.name): \(vm.state.rawValue)\n")
}

private func cpuList(_ text: String, option: String) throws -> [Int] {
    if text.isEmpty { return [] }
    return try text.split(separator: ",").map { item in
        guard let cpu = Int(item) else { throw ValidationError("\(option): '\(text)': expected CPU numbers such as 1,2") }
        return cpu
    }
}

private func duration(_ seconds: Double) -> String {
    let s = Int(seconds)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(s % 60)s" }
    return "\(s / 3600)h\(s / 60 % 60)m"
}

/// Rows as a table with columns padded to their widest cell.
func table(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
        zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ").trimmingSpaces
    }.joined(separator: "\n") + "\n"
}

/// A JSON request body, written by hand so that the CLI sends exactly the API's fields.
indirect enum JSONBody {
    case null, bool(Bool), int(Int), string(String), array([JSONBody]), object([String: JSONBody])

    var text: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .string(s):
            let encoded = (try? JSONEncoder().encode(s)).map { String(decoding: $0, as: UTF8.self) }
            return encoded ?? "\"\""
        case let .array(items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case let .object(fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { JSONBody.string($0.key).text + ":" + $0.value.text }.joined(separator: ",") + "}"
        }
    }
}
