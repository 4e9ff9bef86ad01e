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
        // IP_OPTIONS, IP_RECVOPTS, IP_RETOPTS, IP_MTU, IP_TRANSPARENT, IP_RECVORIGDSTADDR, IP_MINTTL,
        // IP_NODEFRAG, IP_CHECKSUM, IP_MULTICAST_ALL, IP_UNICAST_IF
        0: [1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15, 19, 20, 21, 22, 23, 24, 32, 33, 34, 35, 36, 49, 50],
        // IPPROTO_TCP: NODELAY, MAXSEG, CORK, KEEPIDLE/INTVL/CNT, SYNCNT, LINGER2, DEFER_ACCEPT,
        // WINDOW_CLAMP, INFO, QUICKACK, CONGESTION, USER_TIMEOUT, FASTOPEN, NOTSENT_LOWAT
        6: Set(1...13).union([18, 23, 25]),
        // IPPROTO_UDP: UDP_CORK, UDP_SEGMENT, UDP_GRO
        17: [1, 103, 104],
        // IPPROTO_IPV6: ADDRFORM, CHECKSUM, UNICAST_HOPS, MULTICAST_IF/HOPS/LOOP, JOIN/LEAVE_GROUP,
        // MTU_DISCOVER, MTU, RECVERR, V6ONLY, RECVPKTINFO, PKTINFO, RECVHOPLIMIT, HOPLIMIT,
        // RECVHOPOPTS, RECVRTHDR, RECVDSTOPTS, RECVPATHMTU, DONTFRAG, RECVTCLASS, TCLASS,
        // AUTOFLOWLABEL, ADDR_PREFERENCES, MINHOPCOUNT, RECVORIGDSTADDR, TRANSPARENT, FREEBIND
        41: [1, 7, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 49, 50, 51, 52, 53, 56, 58, 60, 62, 66, 67, 70, 72, 73, 74, 75, 78],
    ]

    /// Whether (level, name) of a riscv64 setsockopt/getsockopt may pass to the host.
    static func passes(level: UInt64, name: UInt64) -> Bool {
        plain[UInt64(UInt32(truncatingIfNeeded: level))]?.contains(UInt64(UInt32(truncatingIfNeeded: name))) ?? false
    }
}

/// The socket ioctls a program may make: network interface requests, whose
/// `struct ifreq` (a 16-byte name and a 24-byte union of plain values) is alike on
/// riscv64 and x86-64, and the queue sizes. SIOCGIFCONF, whose `ifconf` holds a
/// pointer, is not among them.
enum SocketControl {
    static let requests: [UInt64: ArgumentKind] = [
        0x8905: .output(.bytes(4)),          // SIOCATMARK
        0x8910: .inputOutput(.bytes(40)),    // SIOCGIFNAME
        0x8913: .inputOutput(.bytes(40)),    // SIOCGIFFLAGS
        0x8915: .inputOutput(.bytes(40)),    // SIOCGIFADDR
        0x8917: .inputOutput(.bytes(40)),    // SIOCGIFDSTADDR
        0x8919: .inputOutput(.bytes(40)),    // SIOCGIFBRDADDR
        0x891B: .inputOutput(.bytes(40)),    // SIOCGIFNETMASK
        0x891D: .inputOutput(.bytes(40)),    // SIOCGIFMETRIC
        0x8921: .inputOutput(.bytes(40)),    // SIOCGIFMTU
        0x8927: .inputOutput(.bytes(40)),    // SIOCGIFHWADDR
        0x8933: .inputOutput(.bytes(40)),    // SIOCGIFINDEX
        0x8938: .inputOutput(.bytes(40)),    // SIOCGIFCOUNT
        0x8942: .inputOutput(.bytes(40)),    // SIOCGIFTXQLEN
    ]
}
