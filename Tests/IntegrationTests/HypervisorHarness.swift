import Foundation
import IsolaHypervisor
import Testing

/// An `isola serve` process over a fresh state directory, and a client of its API:
/// the hypervisor as a user runs it. `close` sends SIGTERM (which stops every VM).
final class HypervisorHarness {
    let directory: String
    let socket: String
    let server: Process
    let client: APIClient

    /// `arguments` go to `isola serve` after the state directory. The guests get a short
    /// window to power down when the harness ends the hypervisor. Its stderr goes to
    /// `errorLog` when given.
    init(arguments: [String] = ["--shutdown-timeout", "3"], errorLog: String? = nil) throws {
        directory = NSTemporaryDirectory() + "isola-hv-\(UUID().uuidString.prefix(8))"
        socket = directory + "/api.sock"
        server = Process()
        server.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        server.arguments = ["serve", "--state", directory] + arguments
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        if let errorLog { FileManager.default.createFile(atPath: errorLog, contents: nil) }
        server.standardError = FileHandle(forWritingAtPath: errorLog ?? "/dev/null")
        try server.run()
        client = APIClient(socketPath: socket)
        let deadline = Date().addingTimeInterval(20)
        while (try? client.request("GET", "/")) == nil {
            try #require(Date() < deadline && server.isRunning, "isola serve did not answer on \(socket)")
            usleep(20_000)
        }
    }

    func close() {
        if server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends a request; answers the status and the body as JSON (nil if it is not).
    @discardableResult
    func call(_ method: String, _ path: String, _ body: String? = nil) throws -> (status: Int, json: [String: Any]?, text: String) {
        let response = try client.request(method, path, json: body)
        let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (response.status, json, response.text)
    }

    func vm(_ name: String) throws -> [String: Any] {
        try #require(try call("GET", "/vms/" + name).json)
    }

    func state(_ name: String) throws -> String? { try vm(name)["state"] as? String }

    /// Waits until `condition` holds, up to `seconds`.
    func wait(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return false
    }

    /// A create body for a Linux guest of the default image running `command` forever.
    static func linux(_ name: String, command: String = "i=0; while true; do i=$((i+1)); echo count=$i; sleep 0.2; done",
                      extra: String = "") throws -> String {
        let image = try LinuxBootTests.image()
        let append = "console=ttyS0 quiet ISOLA_CMD=\"\(command)\""
        let encoded = String(decoding: try JSONEncoder().encode(append), as: UTF8.self)
        return "{\"name\":\"\(name)\",\"memory\":\"64M\",\"kernel\":\"\(image.kernel)\",\"initrd\":\"\(image.initramfs)\",\"append\":\(encoded)\(extra)}"
    }

    /// The counts a looping guest printed so far.
    func counts(_ name: String) throws -> [Int] {
        SnapshotTests.counts(try client.request("GET", "/vms/\(name)/console").text)
    }
}

