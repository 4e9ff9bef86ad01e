import IsolaCore
import IsolaHost

/// The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2): the register file
/// through which a driver negotiates features, sets up queues and notifies a device.
///
/// A device that finds a queue malformed is put into DEVICE_NEEDS_RESET with the
/// reason logged; nothing it was handed is trusted before it is checked.
public final class VirtioMMIOTransport: MMIODevice, @unchecked Sendable {
    // Sendable: registers are accessed by vCPU threads under `lock`.
    public let device: VirtioDevice
    private let ram: GuestRAM
    let interrupt: InterruptLine
    let lock = HostMutex()
    /// Held while a device processes queues and while a reset changes them, so the two never interleave.
    private let processing = HostMutex()
    /// Runs queue processing off the vCPU thread (nil: process synchronously, for tests).
    private var worker: IOWorker?
    /// Set (under `processing`) while the VM is paused for a snapshot: queues are left alone.
    private var quiescent = false

    public private(set) var queues: [Virtqueue]
    var deviceFeaturesSelect: UInt32 = 0
    var driverFeaturesSelect: UInt32 = 0
    public internal(set) var driverFeatures: UInt64 = 0
    var queueSelect: UInt32 = 0
    public internal(set) var status: UInt32 = 0
    var interruptStatus: UInt32 = 0
    var configGeneration: UInt32 = 0
    /// Why the device last entered NEEDS_RESET.
    public private(set) var lastError: VirtqueueError?
    /// Called with the reason when the device needs a reset (the VMM logs it).
    public var onError: (VirtqueueError) -> Void = { _ in }

    static let magic: UInt64 = 0x7472_6976
    static let vendorID: UInt64 = 0x4F53_4931

    public init(device: VirtioDevice, ram: GuestRAM, interrupt: InterruptLine) {
        self.device = device
        self.ram = ram
        self.interrupt = interrupt
        queues = device.queueSizes.map { Virtqueue(ram: ram, maximumSize: $0) }
    }

    /// Moves queue processing to an I/O thread of its own, so a slow disk never stalls a vCPU.
    public func startIOThread(name: String) throws {
        worker = try IOWorker(name: name) { [weak self] bits in
            guard let self else { return }
            for queue in 0..<self.queues.count where bits & (1 << UInt64(queue)) != 0 {
                self.processNow(queue: queue)
            }
        }
    }

    /// Stops the I/O thread (the VM is stopping).
    public func stopIOThread() {
        worker?.stop()
        worker = nil
    }

    /// All feature bits offered: the device's and the transport's.
    public var offeredFeatures: UInt64 {
        device.deviceFeatures | VirtioFeature.version1 | VirtioFeature.eventIndex | VirtioFeature.indirectDescriptors
    }

    private var selectedQueue: Virtqueue? {
        Int(queueSelect) < queues.count ? queues[Int(queueSelect)] : nil
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        lock.withLock {
            if offset >= 0x100 { return device.readConfig(offset: Int(offset - 0x100), size: size) }
            switch offset {
            case 0x000: return Self.magic
            case 0x004: return 2
            case 0x008: return UInt64(device.deviceID)
            case 0x00C: return Self.vendorID
            case 0x010: return deviceFeaturesSelect < 2 ? (offeredFeatures >> (32 * UInt64(deviceFeaturesSelect))) & 0xFFFF_FFFF : 0
            case 0x034: return UInt64(selectedQueue?.maximumSize ?? 0)
            case 0x044: return selectedQueue?.ready == true ? 1 : 0
            case 0x060: return UInt64(interruptStatus)
            case 0x070: return UInt64(status)
            case 0x0FC: return UInt64(configGeneration)
            default: return 0
            }
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt32(truncatingIfNeeded: value)
        var notify: Int?
        lock.withLock {
            if offset >= 0x100 {
                device.writeConfig(offset: Int(offset - 0x100), size: size, value: value)
                return
            }
            switch offset {
            case 0x014: deviceFeaturesSelect = v
            case 0x020:
                guard driverFeaturesSelect < 2, status & VirtioStatus.featuresOK == 0 else { return }
                let shift = 32 * UInt64(driverFeaturesSelect)
                driverFeatures = (driverFeatures & ~(0xFFFF_FFFF << shift)) | (UInt64(v) << shift)
            case 0x024: driverFeaturesSelect = v
            case 0x030: queueSelect = v
            case 0x038:
                // QueueNum: a power of two no larger than the maximum (split rings, 2.7).
                if let q = selectedQueue, !q.ready, v > 0, v <= UInt32(q.maximumSize), v & (v - 1) == 0 { q.size = UInt16(v) }
            case 0x044:
                guard let q = selectedQueue else { return }
                q.ready = v == 1
                q.eventIndex = driverFeatures & VirtioFeature.eventIndex != 0
            case 0x050:
                if Int(v) < queues.count && status & VirtioStatus.driverOK != 0 && status & VirtioStatus.needsReset == 0 {
                    notify = Int(v)
                }
            case 0x064:
                interruptStatus &= ~v
                if interruptStatus == 0 { interrupt.setLevel(false) }
            case 0x070:
                if v == 0 {
                    // A reset waits for in-flight processing, then clears the queues under the same lock.
                    processing.withLock { writeStatus(v) }
                } else {
                    writeStatus(v)
                }
            case 0x080...0x0A4:
                // A QueueSel beyond the queues selects nothing: the write is ignored.
                guard let q = selectedQueue, !q.ready else { return }
                switch offset {
                case 0x080: setLow(&q.descriptorTable, v)
                case 0x084: setHigh(&q.descriptorTable, v)
                case 0x090: setLow(&q.availableRing, v)
                case 0x094: setHigh(&q.availableRing, v)
                case 0x0A0: setLow(&q.usedRing, v)
                case 0x0A4: setHigh(&q.usedRing, v)
                default: break
                }
            default: break
            }
        }
        if let queue = notify { self.notify(queue: queue) }
    }

    private func setLow(_ field: inout UInt64, _ v: UInt32) { field = (field & ~0xFFFF_FFFF) | UInt64(v) }
    private func setHigh(_ field: inout UInt64, _ v: UInt32) { field = (field & 0xFFFF_FFFF) | (UInt64(v) << 32) }

    private func writeStatus(_ v: UInt32) {
        if v == 0 {
            // Device reset (4.2.3.1): everything back to its initial state.
            status = 0
            driverFeatures = 0
            interruptStatus = 0
            interrupt.setLevel(false)
            for q in queues { q.reset() }
            device.reset()
            return
        }
        var new = v
        // FEATURES_OK sticks only if the driver accepted nothing we did not offer, and VERSION_1.
        if new & VirtioStatus.featuresOK != 0 && status & VirtioStatus.featuresOK == 0 {
            if driverFeatures & ~offeredFeatures != 0 || driverFeatures & VirtioFeature.version1 == 0 {
                new &= ~VirtioStatus.featuresOK
            }
        }
        status = new | (status & VirtioStatus.needsReset)
    }

    /// Hands a notified queue to the I/O thread (or processes it here without one);
    /// also the way to re-examine queues after a restore.
    public func notify(queue: Int) {
        guard queue < queues.count else { return }
        if let worker {
            worker.signal(1 << UInt64(queue))
        } else {
            processNow(queue: queue)
        }
    }

    /// Waits for any queue processing in flight to finish and holds off new work, so
    /// the device touches neither guest memory nor its backend until `reexamineQueues`.
    /// Notifications meanwhile are not lost: `reexamineQueues` looks at every queue.
    public func quiesce() {
        processing.withLock { quiescent = true }
    }

    /// Ends a quiesce and looks at every ready queue as if the driver had just notified
    /// it. After a restore this is what keeps a queue from stalling: with EVENT_IDX the
    /// saved driver may be waiting for a notification it believes it already sent.
    public func reexamineQueues() {
        processing.withLock { quiescent = false }
        for (index, queue) in queues.enumerated() where queue.ready { notify(queue: index) }
    }

    private func processNow(queue: Int) {
        processing.withLock {
            let q = queues[queue]
            guard q.ready, !quiescent, status & VirtioStatus.needsReset == 0 else { return }
            do throws(VirtqueueError) {
                try device.process(queue: queue, virtqueue: q, transport: self)
            } catch {
                fail(error)
            }
        }
    }

    /// Raises the used-buffer interrupt (InterruptStatus bit 0).
    public func signalUsedBuffers() {
        lock.withLock {
            interruptStatus |= 1
            interrupt.setLevel(true)
        }
    }

    /// Tells the driver the device configuration changed (InterruptStatus bit 1, 4.2.2).
    public func signalConfigurationChange() {
        lock.withLock {
            configGeneration &+= 1
            interruptStatus |= 2
            interrupt.setLevel(true)
        }
    }

    /// Puts the device into NEEDS_RESET and tells the driver (configuration-change interrupt, 2.1.2).
    public func fail(_ error: VirtqueueError) {
        lock.withLock {
            lastError = error
            status |= VirtioStatus.needsReset
            interruptStatus |= 2
            configGeneration &+= 1
            interrupt.setLevel(true)
        }
        onError(error)
    }
}
