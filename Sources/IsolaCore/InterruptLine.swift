/// A level-triggered interrupt wire from a device to an interrupt controller.
///
/// Devices stay architecture-neutral by raising a line instead of touching a CPU.
public protocol InterruptLine: AnyObject {
    func setLevel(_ asserted: Bool)
}

/// A line that goes nowhere, for boards without an interrupt controller for it.
public final class DisconnectedInterruptLine: InterruptLine {
    public init() {}
    public func setLevel(_ asserted: Bool) {}
}
