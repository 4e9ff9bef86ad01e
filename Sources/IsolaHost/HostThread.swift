#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable host thread; vCPUs run on these, one hart each.
public final class HostThread: @unchecked Sendable {
    // Sendable: `handle` is written once before `start` returns and read by `join`.
    private var handle: pthread_t?

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private init() {}

    /// Starts `body` on a new thread.
    public static func start(name: String, _ body: @escaping () -> Void) throws -> HostThread {
        let thread = HostThread()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
        var handle = pthread_t()
        #else
        var handle: pthread_t?
        #endif
        let rc = pthread_create(&handle, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw HostError.io(operation: "pthread_create", path: name, errno: rc)
        }
        thread.handle = handle
        return thread
    }

    /// Lets the thread's resources go when it ends, without a join (a process VM
    /// program's threads end on their own, and may be many).
    public func detach() {
        guard let handle else { return }
        pthread_detach(handle)
        self.handle = nil
    }

    public func join() {
        guard let handle else { return }
        pthread_join(handle, nil)
        self.handle = nil
    }
}
