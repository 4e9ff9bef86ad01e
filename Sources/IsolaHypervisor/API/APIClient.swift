import IsolaHost

/// A client of the control API over its Unix socket: what `isola vm …` and the tests
/// use. HTTP/1.1, one request per connection (`Connection: close`), bodies by length
/// or chunked.
public struct APIClient: Sendable {
    public let socketPath: String

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public enum ClientError: Error, CustomStringConvertible {
        case unreachable(socket: String, reason: String)
        case malformedResponse(String)

        public var description: String {
            switch self {
            case let .unreachable(socket, reason): return "no hypervisor answers at \(socket) (\(reason)); start one with 'isola serve'"
            case let .malformedResponse(why): return "the hypervisor's answer is malformed: \(why)"
            }
        }
    }

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Sends one request and reads the whole response.
    public func request(_ method: String, _ path: String, json body: String? = nil) throws -> Response {
        var collected: [UInt8] = []
        var response = try stream(method, path, json: body) { collected += $0; return true }
        response.body = collected
        return response
    }

    /// Sends one request and hands the response body to `onBody` as it arrives (false
    /// from it hangs up). Answers the status and headers.
    public func stream(_ method: String, _ path: String, json body: String? = nil, onHead: (Int) -> Void = { _ in },
                       onBody: ([UInt8]) -> Bool) throws -> Response {
        let connection: StreamSocket
        do {
            connection = try StreamSocket.connect(to: socketPath)
        } catch {
            throw ClientError.unreachable(socket: socketPath, reason: "\(error)")
        }
        let payload = Array((body ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: isola\r\nConnection: close\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        connection.write(head)
        connection.write(bytes: payload)
        var buffer: [UInt8] = []
        var headerEnd: Int?
        while headerEnd == nil {
            guard let more = connection.readSome() else { throw ClientError.malformedResponse("it ended inside the headers") }
            buffer += more
            headerEnd = APIClient.find([13, 10, 13, 10], in: buffer)
        }
        guard let end = headerEnd else { throw ClientError.malformedResponse("no headers") }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ClientError.malformedResponse("status line '\(lines.first ?? "")'")
        }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        var response = Response(status: status, headers: headers, body: [])
        onHead(status)
        var rest = Array(buffer[(end + 4)...])
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            try APIClient.readChunks(&rest, from: connection, onBody: onBody)
        } else {
            let length = response.header("Content-Length").flatMap(Int.init)
            var received = 0
            while true {
                if !rest.isEmpty {
                    received += rest.count
                    guard onBody(rest) else { break }
                    rest = []
                }
                if let length, received >= length { break }
                guard let more = connection.readSome() else { break }
                rest = more
            }
        }
        connection.shutDown()
        response.body = []
        return response
    }

    private static func readChunks(_ buffer: inout [UInt8], from connection: StreamSocket, onBody: ([UInt8]) -> Bool) throws {
        func fill(_ count: Int) throws {
            while buffer.count < count {
                guard let more = connection.readSome() else { throw ClientError.malformedResponse("it ended inside a chunk") }
                buffer += more
            }
        }
        while true {
            var lineEnd = find([13, 10], in: buffer)
            while lineEnd == nil {
                guard let more = connection.readSome() else { return }
                buffer += more
                lineEnd = find([13, 10], in: buffer)
            }
            guard let sizeEnd = lineEnd else { return }
            let sizeText = String(decoding: buffer[..<sizeEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { throw ClientError.malformedResponse("chunk size '\(sizeText)'") }
            buffer.removeFirst(sizeEnd + 2)
            if size == 0 { return }
            try fill(size + 2)
            guard onBody(Array(buffer[..<size])) else { return }
            buffer.removeFirst(size + 2)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
