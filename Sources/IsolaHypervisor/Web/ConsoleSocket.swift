import Hummingbird
import HummingbirdWebSocket

/// The live console of one VM over a WebSocket: binary frames carry what the guest
/// prints (the last 64 KiB of its log first, then each new write), and what the
/// browser sends is typed on the guest's UART. A text frame from the server is a
/// JSON error (typing on a VM that is not running), for the page to show.
enum ConsoleSocket {
    static let backlogBytes: UInt64 = 64 << 10
    static let pollNanoseconds: UInt64 = 50_000_000
    static let largestMessage = 64 << 10

    static func serve(_ supervisor: Supervisor, name: String, inbound: WebSocketInboundStream,
                      outbound: WebSocketOutboundWriter) async throws {
        let path = try supervisor.consolePath(name)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var tail = ConsoleTail(path: path, backlog: backlogBytes)
                while !Task.isCancelled {
                    let bytes = tail.next()
                    if !bytes.isEmpty { try await outbound.write(.binary(ByteBuffer(bytes: bytes))) }
                    try await Task.sleep(nanoseconds: pollNanoseconds)
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: largestMessage) {
                    let bytes: [UInt8] = switch message {
                    case let .text(text): Array(text.utf8)
                    case let .binary(buffer): Array(buffer.readableBytesView)
                    }
                    guard !bytes.isEmpty else { continue }
                    do {
                        try await blocking { try supervisor.type(name, bytes) }
                    } catch {
                        try await outbound.write(.text(String(decoding: APIErrorBody(error: "\(error)").encoded, as: UTF8.self)))
                    }
                }
            }
            // The browser went away (or the log could not be sent): end both halves.
            try await group.next()
            group.cancelAll()
        }
    }
}
