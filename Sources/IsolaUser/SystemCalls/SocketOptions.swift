/// The socket options setsockopt and getsockopt pass to the host: those whose value
/// is plain data (integers, linger, timeval, ip_mreq, tcp_info, a name), laid out
/// alike on riscv64 and x86-64. Options whose value holds a pointer the host would
/// follow into its own memory (SO_ATTACH_FILTER's sock_fprog, netfilter's tables)
/// or whose length counts something other than bytes (SO_GET_FILTER) are refused
/// with ENOPROTOOPT, as a kernel without them would.
enum SocketOptions {
    static let ENOPROTOOPT = 92

    private static let plain: [UInt64: Set<UInt64>] = [
        // SOL_SOCKET: SO_DEBUG ... SO_SNDTIMEO_OLD, SO_TIMESTAMP_OLD, SO_ACCEPTCONN, SO_PEERSEC,
        // SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_TIMESTAMPNS_OLD, SO_MARK, SO_PROTOCOL, SO_DOMAIN,
        // SO_RXQ_OVFL, SO_BUSY_POLL, SO_INCOMING_CPU
        1: Set(1...21).union([29, 30, 31, 32, 33, 35, 36, 38, 39, 40, 46, 49]),
        // IPPROTO_IP: IP_TOS, IP_TTL, IP_HDRINCL, IP_PKTINFO, IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTTL,
        // IP_RECVTOS, IP_FREEBIND, IP_BIND_ADDRESS_NO_PORT, multicast TTL/loop/membership
        0: [1, 2, 3, 8, 10, 11, 12, 13, 15, 24, 32, 33, 34, 35, 36],
        // IPPROTO_TCP: NODELAY, MAXSEG, CORK, KEEPIDLE/INTVL/CNT, SYNCNT, LINGER2, DEFER_ACCEPT,
        // WINDOW_CLAMP, INFO, QUICKACK, CONGESTION, USER_TIMEOUT, FASTOPEN, NOTSENT_LOWAT
        6: Set(1...13).union([18, 23, 25]),
        // IPPROTO_UDP: UDP_CORK, UDP_SEGMENT, UDP_GRO
        17: [1, 103, 104],
        // IPPROTO_IPV6: UNICAST_HOPS, MULTICAST_IF/HOPS/LOOP, JOIN/LEAVE_GROUP, V6ONLY, RECVPKTINFO, TCLASS
        41: [16, 17, 18, 19, 20, 21, 26, 49, 67],
    ]

    /// Whether (level, name) of a riscv64 setsockopt/getsockopt may pass to the host.
    static func passes(level: UInt64, name: UInt64) -> Bool {
        plain[UInt64(UInt32(truncatingIfNeeded: level))]?.contains(UInt64(UInt32(truncatingIfNeeded: name))) ?? false
    }
}
