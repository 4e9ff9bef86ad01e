import IsolaCore
import IsolaDevices
import Testing

/// What the device tests connect devices to: a console that keeps the bytes, an
/// interrupt line that keeps its level, a power control that keeps the requests.
final class Collector: ByteSink {
    var bytes: [UInt8] = []
    func write(byte: UInt8) { bytes.append(byte) }
    func flush() {}
}

final class Line: InterruptLine {
    var level = false
    func setLevel(_ asserted: Bool) { level = asserted }
}

final class Power: PowerControl {
    var requests: [PowerRequest] = []
    func request(_ request: PowerRequest) { requests.append(request) }
}
