import IsolaHost

/// The OCI lifecycle hooks (config.md, "POSIX-platform Hooks") that run on the host:
/// `prestart` and `createRuntime` at create, `poststart` after start, `poststop` at
/// delete, each with the container's state on its standard input. `createContainer`
/// and `startContainer` are to run in the container's namespaces, which here are a
/// VM's; they are not run (features says so).
public enum RuntimeHooks {
    /// Runs `hooks` in order; the first that fails (or outlives its timeout) is the error.
    public static func run(_ hooks: [OCISpec.Hook], kind: String, state: [UInt8]) throws(ContainerError) {
        for (i, hook) in hooks.enumerated() {
            let arguments = hook.args ?? [hook.path]
            let result: HostCommand.Result
            do {
                result = try HostCommand.run(hook.path, arguments: arguments, environment: hook.env ?? [], input: state,
                                             timeoutSeconds: hook.timeout)
            } catch {
                throw .failed("\(kind) hook \(i) (\(hook.path)): \(error)")
            }
            switch result {
            case .exited(0): continue
            case let .exited(code): throw .failed("\(kind) hook \(i) (\(hook.path)) exited with status \(code)")
            case let .signaled(signal): throw .failed("\(kind) hook \(i) (\(hook.path)) was killed by signal \(signal)")
            case .timedOut: throw .failed("\(kind) hook \(i) (\(hook.path)) did not finish within \(hook.timeout ?? 0) s")
            }
        }
    }
}
