import IsolaContainer
import Testing

@Suite struct ContainerChannelTests {
    @Test func framesRoundTripWhateverTheChunking() {
        let frames = [ContainerFrame(.output, stream: 0, payload: Array("hello\n".utf8)),
                      ContainerFrame(.exited, stream: 3, value: 7 << 8),
                      ContainerFrame(.ready, stream: 0),
                      ContainerFrame(.errorOutput, stream: 1, payload: [UInt8](repeating: 0xAB, count: 70_000))]
        let bytes = frames.flatMap(\.encoded)
        for chunk in [1, 9, 4096, bytes.count] {
            var got: [ContainerFrame] = []
            let reader = ContainerFrameReader(onFrame: { got.append($0) }, onCorrupt: { Issue.record("corrupt: \($0)") })
            var at = 0
            while at < bytes.count {
                for b in bytes[at..<min(bytes.count, at + chunk)] { reader.write(byte: b) }
                at += chunk
            }
            #expect(got == frames, "chunks of \(chunk)")
        }
        #expect(frames[1].value == 7 << 8)
    }

    @Test func aGuestThatSendsGarbageEndsTheChannel() {
        var corrupt: [String] = []
        var got = 0
        let reader = ContainerFrameReader(onFrame: { _ in got += 1 }, onCorrupt: { corrupt.append($0) })
        for b in [UInt8(0x7A), 0, 0, 0, 0, 0, 0, 0, 0] + ContainerFrame(.output, stream: 0, payload: [1]).encoded { reader.write(byte: b) }
        #expect(corrupt.count == 1 && got == 0)
        // A length over the limit is refused before anything is buffered for it.
        var refused = false
        let big = ContainerFrameReader(onFrame: { _ in }, onCorrupt: { _ in refused = true })
        for b in [UInt8(0x4F), 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F] { big.write(byte: b) }
        #expect(refused)
    }

    @Test func processEntriesCarryTheSpecsSettings() {
        let process = OCISpec.Process(terminal: true, consoleSize: .init(height: 24, width: 80),
                                      user: .init(uid: 1000, gid: 100, additionalGids: [10, 20]),
                                      args: ["sh", "-c", "echo a b"], env: ["PATH=/bin", "A=b=c"], cwd: "/work",
                                      rlimits: [.init(type: "RLIMIT_NOFILE", soft: 1024, hard: 4096)])
        let bytes = ContainerProcess.entries(process, terminalSize: nil, extra: [("hostname", "box")])
        let entries = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(entries == ["arg=sh", "arg=-c", "arg=echo a b", "env=PATH=/bin", "env=A=b=c", "cwd=/work", "uid=1000", "gid=100",
                            "group=10", "group=20", "rlimit=RLIMIT_NOFILE:1024:4096", "terminal=1", "rows=24", "columns=80",
                            "hostname=box"])
        #expect(bytes.last == 0)
    }
}
