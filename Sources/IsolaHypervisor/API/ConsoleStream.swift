import OpenAPIRuntime

/// `GET /vms/{name}/console`: what the guest printed in its current (or last) run;
/// with `?follow=true` the response goes on streaming new output as the guest
/// prints it, until the VM's worker ends or the client hangs up.
enum ConsoleStream {
    static let pollNanoseconds: UInt64 = 100_000_000

    static func body(supervisor: Supervisor, name: String, follow: Bool) throws -> HTTPBody {
        let path = try supervisor.consolePath(name)
        guard follow else { return HTTPBody(try supervisor.console(name)) }
        let chunks = AsyncThrowingStream<ArraySlice<UInt8>, any Error> { continuation in
            let task = Task {
                var tail = ConsoleTail(path: path)
                while !Task.isCancelled {
                    let live = supervisor.isLive(name)
                    let bytes = tail.next()
                    if !bytes.isEmpty { continuation.yield(bytes[...]) }
                    if !live && tail.isCaughtUp { break }
                    try? await Task.sleep(nanoseconds: pollNanoseconds)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }  // the client hung up
        }
        return HTTPBody(chunks, length: .unknown, iterationBehavior: .single)
    }
}
