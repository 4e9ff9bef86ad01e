import IsolaDevices
import Testing

@Suite struct PacketOffloadTests {
    static let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }

    /// One's-complement sum of 16-bit words, folded; a valid checksum region sums to 0xFFFF.
    static func sum(_ bytes: ArraySlice<UInt8>, initial: UInt32 = 0) -> UInt16 {
        var total = initial
        var i = bytes.startIndex
        while i < bytes.endIndex {
            total += UInt32(bytes[i]) << 8 | (i + 1 < bytes.endIndex ? UInt32(bytes[i + 1]) : 0)
            i += 2
        }
        while total >> 16 != 0 { total = (total & 0xFFFF) + (total >> 16) }
        return UInt16(total)
    }

    static func be16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }

    /// A TCP packet as Linux hands one to a TSO device: IP length for the whole packet,
    /// the pseudo-header sum in the TCP checksum field, PSH|FIN|ACK set.
    static func tsoPacket(ipv6: Bool) -> NetworkPacket {
        var frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2] + (ipv6 ? [0x86, 0xDD] : [0x08, 0x00])
        let tcpLength = 20 + payload.count
        if ipv6 {
            frame += [0x60, 0, 0, 0, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xFF), 6, 64]
            frame += [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [2]
        } else {
            let total = 20 + tcpLength
            frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1]
        }
        let tcp = frame.count
        frame += [0x9C, 0x40, 0x13, 0x88, 0xFF, 0xFF, 0xF0, 0x00, 0, 0, 0, 1, 0x50, 0x19, 0x01, 0x00, 0, 0, 0, 0]
        let pseudoRange = ipv6 ? (14 + 8)..<(14 + 40) : (14 + 12)..<(14 + 20)
        let pseudo = sum(frame[pseudoRange], initial: 6 + UInt32(tcpLength))
        frame[tcp + 16] = UInt8(pseudo >> 8)
        frame[tcp + 17] = UInt8(pseudo & 0xFF)
        frame += payload
        var header = VirtioNetHeader()
        header.flags = VirtioNetHeader.needsChecksum
        header.gsoType = ipv6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4
        header.gsoSize = 1448
        header.headerLength = UInt16(tcp + 20)
        header.checksumStart = UInt16(tcp)
        header.checksumOffset = 16
        return NetworkPacket(header: header, frame: frame)
    }

    @Test(arguments: [false, true])
    func segmentationMakesValidTCPSegments(ipv6: Bool) throws {
        let packet = Self.tsoPacket(ipv6: ipv6)
        #expect(PacketOffload.prepare(packet, for: .all)?.count == 1)  // a guest with TSO takes it whole
        let segments = try #require(PacketOffload.prepare(packet, for: .none))
        #expect(segments.count == 4)
        let tcp = ipv6 ? 54 : 34
        var joined: [UInt8] = []
        for (i, segment) in segments.enumerated() {
            let f = segment.frame
            #expect(segment.header == VirtioNetHeader())
            let n = f.count - tcp - 20
            #expect(n == (i < 3 ? 1448 : 5000 - 3 * 1448))
            if ipv6 {
                #expect(Self.be16(f, 18) == 20 + n)
                #expect(Self.sum(f[tcp...], initial: UInt32(Self.sum(f[22..<54])) + 6 + UInt32(20 + n)) == 0xFFFF)
            } else {
                #expect(Self.be16(f, 16) == 40 + n)
                #expect(Self.be16(f, 18) == 0x1234 + i)
                #expect(Self.sum(f[14..<34]) == 0xFFFF, "IPv4 header checksum")
                #expect(Self.sum(f[tcp...], initial: UInt32(Self.sum(f[26..<34])) + 6 + UInt32(20 + n)) == 0xFFFF, "TCP checksum")
            }
            let sequence = UInt32(f[tcp + 4]) << 24 | UInt32(f[tcp + 5]) << 16 | UInt32(f[tcp + 6]) << 8 | UInt32(f[tcp + 7])
            #expect(sequence == 0xFFFF_F000 &+ UInt32(i * 1448))
            #expect(f[tcp + 13] == (i == 3 ? 0x19 : 0x10), "FIN and PSH on the last segment only")
            joined += f[(tcp + 20)...]
        }
        #expect(joined == Self.payload)
    }

    @Test func checksumIsCompletedForAReceiverWithoutTheOffload() throws {
        var packet = Self.tsoPacket(ipv6: false)
        packet.header.gsoType = VirtioNetHeader.gsoNone
        let done = try #require(PacketOffload.prepare(packet, for: .none)?.first)
        #expect(Self.sum(done.frame[34...], initial: UInt32(Self.sum(done.frame[26..<34])) + 6 + 5020) == 0xFFFF)
        #expect(PacketOffload.prepare(packet, for: .all)?.first?.frame == packet.frame)
    }

    @Test func malformedPacketsAreDroppedNotTrusted() {
        var packet = Self.tsoPacket(ipv6: false)
        packet.header.gsoSize = 0
        #expect(PacketOffload.prepare(packet, for: .none) == nil)
        packet = Self.tsoPacket(ipv6: false)
        packet.frame[23] = 17  // UDP claimed as TCP segmentation
        #expect(PacketOffload.prepare(packet, for: .none) == nil)
        packet = Self.tsoPacket(ipv6: false)
        packet.header.gsoType = VirtioNetHeader.gsoNone
        packet.header.checksumStart = UInt16(packet.frame.count - 1)
        #expect(PacketOffload.prepare(packet, for: .none) == nil)
        // Random headers over random frames: never a crash.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<200, using: &generator)
            var frame = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 14 && Bool.random() { frame[12] = 0x08; frame[13] = 0x00; frame[14] = 0x45 }
            var header = VirtioNetHeader(bytes: (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
            header.gsoSize = UInt16.random(in: 0...64, using: &generator)
            _ = PacketOffload.prepare(NetworkPacket(header: header, frame: frame), for: .none)
        }
    }
}
