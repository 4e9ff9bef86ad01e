/// Synchronous exception codes (`mcause` with the interrupt bit clear), privileged spec table 3.6.
public enum ExceptionCause: UInt64, Sendable {
    case instructionAddressMisaligned = 0
    case instructionAccessFault = 1
    case illegalInstruction = 2
    case breakpoint = 3
    case loadAddressMisaligned = 4
    case loadAccessFault = 5
    case storeAddressMisaligned = 6
    case storeAccessFault = 7
    case environmentCallFromU = 8
    case environmentCallFromS = 9
    case environmentCallFromM = 11
    case instructionPageFault = 12
    case loadPageFault = 13
    case storePageFault = 15
}

/// Interrupt numbers (`mcause` with the interrupt bit set) and their `mip`/`mie` bits.
public enum InterruptCause: UInt64, Sendable, CaseIterable {
    case supervisorSoftware = 1
    case machineSoftware = 3
    case supervisorTimer = 5
    case machineTimer = 7
    case supervisorExternal = 9
    case machineExternal = 11

    public var mask: UInt64 { 1 << rawValue }

    /// Decreasing priority for simultaneous interrupts (privileged spec 3.1.9).
    public static let priorityOrder: [InterruptCause] = [
        .machineExternal, .machineSoftware, .machineTimer,
        .supervisorExternal, .supervisorSoftware, .supervisorTimer,
    ]
}

/// Bits of `mip`/`mie`.
public enum InterruptBits {
    public static let ssip: UInt64 = 1 << 1
    public static let msip: UInt64 = 1 << 3
    public static let stip: UInt64 = 1 << 5
    public static let mtip: UInt64 = 1 << 7
    public static let seip: UInt64 = 1 << 9
    public static let meip: UInt64 = 1 << 11
    public static let supervisor: UInt64 = ssip | stip | seip
    public static let all: UInt64 = supervisor | msip | mtip | meip
}
