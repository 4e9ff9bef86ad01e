/// The terminal ioctls a program may make, with what their argument is. riscv64
/// and x86_64 share asm-generic's request numbers and `struct termios` (36 bytes,
/// NCCS 19), so a request passes through once its buffer is copied.
enum TerminalControl {
    static let requests: [UInt64: ArgumentKind] = [
        0x5401: .output(.bytes(36)),   // TCGETS
        0x5402: .input(.bytes(36)),    // TCSETS
        0x5403: .input(.bytes(36)),    // TCSETSW
        0x5404: .input(.bytes(36)),    // TCSETSF
        0x5409: .value,                // TCSBRK
        0x540A: .value,                // TCXONC
        0x540B: .value,                // TCFLSH
        0x540E: .value,                // TIOCSCTTY
        0x540F: .output(.bytes(4)),    // TIOCGPGRP
        0x5410: .input(.bytes(4)),     // TIOCSPGRP
        0x5413: .output(.bytes(8)),    // TIOCGWINSZ
        0x5414: .input(.bytes(8)),     // TIOCSWINSZ
        0x541B: .output(.bytes(4)),    // FIONREAD
        0x5421: .input(.bytes(4)),     // FIONBIO
        0x5422: .value,                // TIOCNOTTY
        0x5429: .output(.bytes(4)),    // TIOCGSID
        0x5450: .value,                // FIONCLEX
        0x5451: .value,                // FIOCLEX
        0x5452: .input(.bytes(4)),     // FIOASYNC
        0x5423: .output(.bytes(4)),    // TIOCGETD
        0x5424: .input(.bytes(4)),     // TIOCSETD
        0x5425: .value,                // TCSBRKP
        0x5411: .output(.bytes(4)),    // TIOCOUTQ
        0x5415: .output(.bytes(4)),    // TIOCMGET
        0x5416: .input(.bytes(4)),     // TIOCMBIS
        0x5417: .input(.bytes(4)),     // TIOCMBIC
        0x5418: .input(.bytes(4)),     // TIOCMSET
        0x5420: .input(.bytes(4)),     // TIOCPKT
        0x540C: .value,                // TIOCEXCL
        0x540D: .value,                // TIOCNXCL
        // Pseudoterminals (openpty, posix_openpt's grantpt/unlockpt/ptsname).
        0x8004_5430: .output(.bytes(4)),  // TIOCGPTN
        0x4004_5431: .input(.bytes(4)),   // TIOCSPTLCK
        0x8004_5439: .output(.bytes(4)),  // TIOCGPTLCK
        0x5441: .value,                   // TIOCGPTPEER: answers a descriptor
        0x4004_5436: .input(.bytes(4)),   // TIOCSIG
    ]
}
