import IsolaCore
import IsolaHost
import IsolaVMM
import OpenAPIRuntime

/// The control API's operations, as docs/api/openapi.yaml names them: the generated
/// server (API/Generated/, from scripts/generate-api.sh) decodes each request into
/// an `Input` and calls here. A refusal is thrown as a `HypervisorError`, which the
/// error middleware turns into the JSON error that names the field or the state;
/// only successes are returned.
struct ControlAPIHandler: APIProtocol {
    let supervisor: Supervisor
    let metrics: HypervisorMetrics

    func describeService(_ input: Operations.DescribeService.Input) async throws -> Operations.DescribeService.Output {
        let description = try OpenAPIObjectContainer(unvalidatedValue: ["service": "isola", "api": "/vms", "openapi": "docs/api/openapi.yaml"])
        return .ok(.init(body: .json(description)))
    }

    func listVMs(_ input: Operations.ListVMs.Input) async throws -> Operations.ListVMs.Output {
        let supervisor = self.supervisor
        return .ok(.init(body: .json(try await blocking { try supervisor.list() })))
    }

    func createVM(_ input: Operations.CreateVM.Input) async throws -> Operations.CreateVM.Output {
        let file = switch input.body { case let .json(body): body.decoded }
        let supervisor = self.supervisor
        return .created(.init(body: .json(try await blocking { try supervisor.create(file) })))
    }

    func getVM(_ input: Operations.GetVM.Input) async throws -> Operations.GetVM.Output {
        .ok(try await vm(input.path.name) { try $0.info($1) })
    }

    func updateVM(_ input: Operations.UpdateVM.Input) async throws -> Operations.UpdateVM.Output {
        let update = switch input.body { case let .json(body): body.decoded }
        return .ok(try await vm(input.path.name) { try $0.update($1, update) })
    }

    func deleteVM(_ input: Operations.DeleteVM.Input) async throws -> Operations.DeleteVM.Output {
        let supervisor = self.supervisor, name = input.path.name
        try await blocking { try supervisor.delete(name) }
        return .noContent(.init())
    }

    func startVM(_ input: Operations.StartVM.Input) async throws -> Operations.StartVM.Output {
        .ok(try await vm(input.path.name) { try $0.start($1) })
    }

    func pauseVM(_ input: Operations.PauseVM.Input) async throws -> Operations.PauseVM.Output {
        .ok(try await vm(input.path.name) { try $0.pause($1) })
    }

    func resumeVM(_ input: Operations.ResumeVM.Input) async throws -> Operations.ResumeVM.Output {
        .ok(try await vm(input.path.name) { try $0.resume($1) })
    }

    func stopVM(_ input: Operations.StopVM.Input) async throws -> Operations.StopVM.Output {
        let stop: StopRequest.Decoded = switch input.body {
        case let .json(body)?: body.decoded
        case nil: try StopRequest(json: .object([:])).decoded
        }
        let supervisor = self.supervisor, name = input.path.name
        let vm = try await blocking { try supervisor.stop(name, force: stop.force, timeoutSeconds: stop.timeoutSeconds) }
        return vm.state == .stopping ? .accepted(.init(body: .json(vm))) : .ok(.init(body: .json(vm)))
    }

    func listSnapshots(_ input: Operations.ListSnapshots.Input) async throws -> Operations.ListSnapshots.Output {
        let supervisor = self.supervisor, name = input.path.name
        return .ok(.init(body: .json(try await blocking { try supervisor.info(name).snapshots })))
    }

    func saveSnapshot(_ input: Operations.SaveSnapshot.Input) async throws -> Operations.SaveSnapshot.Output {
        let tag = switch input.body { case let .json(body): body.decoded }
        let supervisor = self.supervisor, name = input.path.name
        return .created(.init(body: .json(try await blocking { try supervisor.snapshot(name, tag: tag) })))
    }

    func restoreSnapshot(_ input: Operations.RestoreSnapshot.Input) async throws -> Operations.RestoreSnapshot.Output {
        let restore = switch input.body { case let .json(body): body.decoded }
        return .ok(try await vm(input.path.name) { try $0.restore($1, tag: restore.tag, clock: restore.clock) })
    }

    func getConsole(_ input: Operations.GetConsole.Input) async throws -> Operations.GetConsole.Output {
        .ok(.init(body: .plainText(try ConsoleStream.body(supervisor: supervisor, name: input.path.name,
                                                          follow: input.query.follow ?? false))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        let metrics = self.metrics
        return .ok(.init(body: .plainText(HTTPBody(await blocking { metrics.exposition() }))))
    }

    /// The VM after `operation`, run off Swift concurrency's threads, as a response.
    private func vm(_ name: String, _ operation: @escaping @Sendable (Supervisor, String) throws -> VMInfo) async throws -> Components.Responses.Vm {
        let supervisor = self.supervisor
        return .init(body: .json(try await blocking { try operation(supervisor, name) }))
    }
}
