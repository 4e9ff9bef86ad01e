import Hummingbird
import IsolaHost

/// `GET /vms/{name}/console`: what the guest printed in its current (or last) run;
/// with `?follow=true` the response goes on streaming new output as the guest
/// prints it, until the VM's worker ends or the client hangs up.
enum ConsoleStream {
    static let pollNanoseconds: UInt64 = 100_000_000

    static func response(supervisor: Supervisor, name: String, follow: Bool) throws -> Response {
        let path = try supervisor.consolePath(name)
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        guard follow else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try supervisor.console(name))))
        }
        return Response(status: .ok, headers: headers, body: .init { writer in
            var offset = 0
            while true {
                let live = supervisor.isLive(name)
                let bytes = (try? HostFile.readAll(path)) ?? []
                if bytes.count < offset { offset = 0 }  // a new run started a new log
                if bytes.count > offset {
                    try await writer.write(ByteBuffer(bytes: bytes[offset...]))
                    offset = bytes.count
                }
                if !live { break }
                try await Task.sleep(nanoseconds: pollNanoseconds)
            }
            try await writer.finish(nil)
        })
    }
}
