/// Finishes in software what a sender left to the hardware — the TCP/UDP checksum
/// (`needsChecksum`) and TCP segmentation (TSO) — for a receiver that cannot take
/// the packet as it is: a guest that did not negotiate the offload, or a TAP
/// interface. Everything in the frame came from a guest, so every offset is checked
/// and a packet that does not parse is dropped (nil), as a NIC would.
public enum PacketOffload {
    /// What a receiver accepts unfinished.
    public struct Capabilities: Sendable, Equatable {
        public var checksum: Bool
        public var tcpv4Segmentation: Bool
        public var tcpv6Segmentation: Bool

        public init(checksum: Bool, tcpv4Segmentation: Bool, tcpv6Segmentation: Bool) {
            self.checksum = checksum
            self.tcpv4Segmentation = tcpv4Segmentation
            self.tcpv6Segmentation = tcpv6Segmentation
        }

        public static let none = Capabilities(checksum: false, tcpv4Segmentation: false, tcpv6Segmentation: false)
        public static let all = Capabilities(checksum: true, tcpv4Segmentation: true, tcpv6Segmentation: true)
    }

    /// The packet as `receiver` can take it: unchanged, checksummed, or cut into segments.
    public static func prepare(_ packet: NetworkPacket, for receiver: Capabilities) -> [NetworkPacket]? {
        let header = packet.header
        if header.isSegmented {
            let type = header.gsoType & ~VirtioNetHeader.gsoECN
            let accepted = (type == VirtioNetHeader.gsoTCPv4 && receiver.tcpv4Segmentation)
                || (type == VirtioNetHeader.gsoTCPv6 && receiver.tcpv6Segmentation)
            if accepted && receiver.checksum { return [packet] }
            return segment(packet)?.map { NetworkPacket(frame: $0) }
        }
        if header.flags & VirtioNetHeader.needsChecksum != 0 && !receiver.checksum {
            var frame = packet.frame
            guard completeChecksum(&frame, start: Int(header.checksumStart), offset: Int(header.checksumOffset)) else { return nil }
            return [NetworkPacket(frame: frame)]
        }
        return [packet]
    }

    /// Stores the one's-complement sum of frame[start...] (whose checksum field holds
    /// the pseudo-header sum, as the sender left it) at start + offset.
    static func completeChecksum(_ frame: inout [UInt8], start: Int, offset: Int) -> Bool {
        guard start < frame.count, offset <= frame.count - start - 2 else { return false }
        let sum = InternetChecksum.sum(frame, start..<frame.count)
        let folded = ~InternetChecksum.fold(sum)
        frame[start + offset] = UInt8(folded >> 8)
        frame[start + offset + 1] = UInt8(folded & 0xFF)
        return true
    }

    /// Cuts a TCP packet of up to 64 KiB into frames of at most gso_size payload bytes,
    /// each with its own IP length, IPv4 id and header checksum, sequence number,
    /// flags and TCP checksum.
    static func segment(_ packet: NetworkPacket) -> [[UInt8]]? {
        let frame = packet.frame
        let mss = Int(packet.header.gsoSize)
        guard mss > 0, frame.count >= 14 else { return nil }
        let etherType = Int(frame[12]) << 8 | Int(frame[13])
        let ip = 14
        let isV4: Bool
        let ipHeaderLength: Int
        switch etherType {
        case 0x0800:
            guard frame.count >= ip + 20, frame[ip] >> 4 == 4, frame[ip + 9] == 6 else { return nil }
            isV4 = true
            ipHeaderLength = Int(frame[ip] & 0x0F) * 4
        case 0x86DD:
            guard frame.count >= ip + 40, frame[ip] >> 4 == 6, frame[ip + 6] == 6 else { return nil }  // no extension headers
            isV4 = false
            ipHeaderLength = 40
        default:
            return nil
        }
        let tcp = ip + ipHeaderLength
        guard ipHeaderLength >= 20, frame.count >= tcp + 20 else { return nil }
        let tcpHeaderLength = Int(frame[tcp + 12] >> 4) * 4
        let payloadStart = tcp + tcpHeaderLength
        guard tcpHeaderLength >= 20, frame.count >= payloadStart else { return nil }
        let payloadLength = frame.count - payloadStart
        let firstSequence = UInt32(frame[tcp + 4]) << 24 | UInt32(frame[tcp + 5]) << 16 | UInt32(frame[tcp + 6]) << 8 | UInt32(frame[tcp + 7])
        let firstID = UInt16(frame[ip + 4]) << 8 | UInt16(frame[ip + 5])
        var segments: [[UInt8]] = []
        var offset = 0
        repeat {
            let n = min(mss, payloadLength - offset)
            let last = offset + n >= payloadLength
            var s = Array(frame[0..<payloadStart])
            s += frame[(payloadStart + offset)..<(payloadStart + offset + n)]
            func put16(_ v: Int, _ at: Int) { s[at] = UInt8((v >> 8) & 0xFF); s[at + 1] = UInt8(v & 0xFF) }
            if isV4 {
                put16(ipHeaderLength + tcpHeaderLength + n, ip + 2)
                put16(Int(firstID &+ UInt16(truncatingIfNeeded: segments.count)), ip + 4)
                put16(0, ip + 10)
                put16(Int(~InternetChecksum.fold(InternetChecksum.sum(s, ip..<tcp))), ip + 10)
            } else {
                put16(tcpHeaderLength + n, ip + 4)
            }
            let sequence = firstSequence &+ UInt32(truncatingIfNeeded: offset)
            s[tcp + 4] = UInt8(sequence >> 24); s[tcp + 5] = UInt8((sequence >> 16) & 0xFF)
            s[tcp + 6] = UInt8((sequence >> 8) & 0xFF); s[tcp + 7] = UInt8(sequence & 0xFF)
            // FIN and PSH belong to the last segment only, CWR to the first.
            if !last { s[tcp + 13] &= ~0x09 }
            if offset > 0 { s[tcp + 13] &= ~0x80 }
            put16(0, tcp + 16)
            var pseudo: UInt32
            if isV4 {
                pseudo = InternetChecksum.sum(s, (ip + 12)..<(ip + 20))
            } else {
                pseudo = InternetChecksum.sum(s, (ip + 8)..<(ip + 40))
            }
            pseudo += 6 + UInt32(tcpHeaderLength + n)
            put16(Int(~InternetChecksum.fold(InternetChecksum.sum(s, tcp..<s.count, initial: pseudo))), tcp + 16)
            segments.append(s)
            offset += n
        } while offset < payloadLength
        return segments
    }
}

/// The Internet checksum (RFC 1071): a one's-complement sum of 16-bit big-endian words.
enum InternetChecksum {
    static func sum(_ bytes: [UInt8], _ range: Range<Int>, initial: UInt32 = 0) -> UInt32 {
        var total = UInt64(initial)
        // SAFETY: every caller's range lies inside `bytes` (frame offsets checked in `segment` and
        // `completeChecksum`), and the loop reads only indices in the range.
        bytes.withUnsafeBufferPointer { b in
            var i = range.lowerBound
            while i + 1 < range.upperBound {
                total += UInt64(b[i]) << 8 | UInt64(b[i + 1])
                i += 2
            }
            if i < range.upperBound { total += UInt64(b[i]) << 8 }
        }
        while total >> 32 != 0 { total = (total & 0xFFFF_FFFF) + (total >> 32) }
        return UInt32(total)
    }

    static func fold(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }
}
