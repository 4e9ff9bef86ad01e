import CoreMetrics
import IsolaCore
import IsolaHost
import IsolaVMM
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The hypervisor's metrics in Prometheus's text format (`GET /metrics`), recorded
/// through swift-metrics into a swift-prometheus registry of the hypervisor's own.
/// Per VM: CPU time and resident memory (read from /proc, so a hung guest still
/// reports), instructions retired and the guest's counters (from its worker), state.
public final class HypervisorMetrics: @unchecked Sendable {
    // Sendable: `seen` and metric creation are guarded by `lock`; metric handlers are thread-safe.
    private let supervisor: Supervisor
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let lock = HostMutex()
    /// The cumulative values last added to each counter, per VM and worker: a counter
    /// grows by what a worker added since, and a new worker starts from zero.
    private var seen: [String: (pid: Int32, values: [String: UInt64])] = [:]
    private var counters: [String: CoreMetrics.Counter] = [:]
    private var floatingCounters: [String: CoreMetrics.FloatingPointCounter] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]

    init(supervisor: Supervisor) {
        self.supervisor = supervisor
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Every metric, as of now: the build and the count of VMs in each state always,
    /// even with no VM, then each VM's own.
    public func exposition() -> String {
        var byState: [VMState: Int] = [:]
        for name in supervisor.names {
            guard let info = try? supervisor.info(name) else { continue }
            byState[info.state, default: 0] += 1
            record(info)
        }
        lock.withLock {
            hypervisorGauge("isola_build_info", [("version", IsolaVersion.current)]).record(1)
            for state in VMState.allCases {
                hypervisorGauge("isola_vms", [("state", state.rawValue)]).record(byState[state] ?? 0)
            }
        }
        return registry.emitToString()
    }

    private func record(_ info: VMInfo) {
        let vm = info.name
        lock.withLock {
            for state in VMState.allCases {
                gauge("isola_vm_state", vm, [("state", state.rawValue)]).record(info.state == state ? 1 : 0)
            }
            gauge("isola_vm_vcpus", vm).record(info.vcpus)
            gauge("isola_vm_memory_bytes", vm).record((try? MemorySize.parse(info.memory)) ?? 0)
            gauge("isola_vm_resident_bytes", vm).record(info.residentBytes ?? 0)
            gauge("isola_vm_guest_resident_bytes", vm).record(info.guestResidentBytes ?? 0)
            gauge("isola_vm_cpu_weight", vm).record(info.cpu.weight)
            add("isola_vm_restarts_total", vm, UInt64(info.restarts), pid: -1)
            guard let pid = info.pid else { return }
            if let seconds = info.cpuSeconds { add("isola_vm_cpu_seconds_total", vm, UInt64(seconds * 1e9), pid: pid, scale: 1e-9) }
            if let instructions = info.instructionsRetired { add("isola_vm_instructions_retired_total", vm, instructions, pid: pid) }
            for (kind, details) in info.events ?? [:] {
                for (detail, values) in details where values.count == 2 {
                    let labels = [("kind", kind), ("detail", detail)]
                    add("isola_vm_events_total", vm, values[0], pid: pid, labels: labels)
                    if values[1] > 0 { add("isola_vm_event_bytes_total", vm, values[1], pid: pid, labels: labels) }
                }
            }
        }
    }

    private func gauge(_ name: String, _ vm: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        hypervisorGauge(name, [("vm", vm)] + labels)
    }

    /// A gauge of the hypervisor's, by name and labels (made once).
    private func hypervisorGauge(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        if let gauge = gauges[key] { return gauge }
        let gauge = CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        gauges[key] = gauge
        return gauge
    }

    /// Adds to a counter what a cumulative value `total` of worker `pid` grew by.
    /// With a `scale` the counter counts in another unit (nanoseconds as seconds).
    private func add(_ name: String, _ vm: String, _ total: UInt64, pid: Int32, labels: [(String, String)] = [], scale: Double? = nil) {
        let dimensions = [("vm", vm)] + labels
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        var entry = seen[key] ?? (pid, [:])
        if entry.pid != pid { entry = (pid, [:]) }
        let before = entry.values[key] ?? 0
        entry.values[key] = max(total, before)
        seen[key] = entry
        if let scale {
            let counter = floatingCounters[key] ?? CoreMetrics.FloatingPointCounter(label: name, dimensions: dimensions, factory: factory)
            floatingCounters[key] = counter
            if total > before { counter.increment(by: Double(total - before) * scale) }
        } else {
            let counter = counters[key] ?? CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
            counters[key] = counter
            if total > before { counter.increment(by: Int64(total - before)) }
        }
    }
}
