import IsolaCore
import IsolaVMM

/// The control API's request bodies, read strictly: each field has one type, unknown
/// fields are refused, and every error names its field.
enum APIRequests {
    /// `POST /vms`: a VM's configuration, flat.
    static func create(_ body: JSONValue) throws(HypervisorError) -> VMConfigurationFile {
        var fields = try JSONFields(body)
        guard let name = try fields.string("name") else { throw .badRequest(field: "name", reason: "missing") }
        var file = VMConfigurationFile(name: name)
        if let memory = try fields.string("memory") { file.memory = memory }
        if let vcpus = try fields.integer("vcpus") { file.cpus = vcpus }
        file.kernel = try fields.string("kernel")
        file.initrd = try fields.string("initrd")
        file.append = try fields.string("append")
        file.bios = try fields.string("bios")
        file.engine = try fields.string("engine")
        file.codeCacheMiB = try fields.integer("codeCacheMiB")
        if case let .array(disks)? = fields.value("disks") {
            for (i, disk) in disks.enumerated() {
                var d = try JSONFields(disk, field: "disks[\(i)]")
                guard let path = try d.string("path") else { throw .badRequest(field: "disks[\(i)].path", reason: "missing") }
                file.disks.append(.init(path: path, readonly: try d.bool("readonly"), format: try d.string("format")))
                try d.finish()
            }
        } else if fields.has("disks") {  // null included
            throw .badRequest(field: "disks", reason: "expected an array of objects")
        }
        if case let .array(shares)? = fields.value("shares") {
            file.shares = []
            for (i, share) in shares.enumerated() {
                var d = try JSONFields(share, field: "shares[\(i)]")
                guard let path = try d.string("path") else { throw .badRequest(field: "shares[\(i)].path", reason: "missing") }
                guard let tag = try d.string("tag") else { throw .badRequest(field: "shares[\(i)].tag", reason: "missing") }
                file.shares?.append(.init(path: path, tag: tag, readonly: try d.bool("readonly")))
                try d.finish()
            }
        } else if fields.has("shares") {
            throw .badRequest(field: "shares", reason: "expected an array of objects")
        }
        if case let .array(networks)? = fields.value("networks") {
            for (i, network) in networks.enumerated() {
                guard case let .string(text) = network else { throw .badRequest(field: "networks[\(i)]", reason: "expected a string") }
                file.networks.append(text)
            }
        } else if fields.has("networks") {
            throw .badRequest(field: "networks", reason: "expected an array of strings")
        }
        var share = CPUShare()
        if let cpus = try fields.integers("cpus") { share.dedicated = cpus }
        if let weight = try fields.integer("weight") { share.weight = weight }
        share.cap = try fields.integer("cap")
        if share != CPUShare() { file.cpu = share }
        if let restart = try fields.string("restart") { file.restart = try policy(restart).rawValue }
        file.policy = try fields.policy("policy")
        try fields.finish()
        do {
            try share.validate()
            try file.check(source: "the request")
        } catch let CoreError.invalidConfiguration(field, reason) {
            throw .badRequest(field: HypervisorError.apiField(field), reason: reason.replacingOccurrences(" in the request", with: ""))
        } catch {
            throw .badRequest(field: "body", reason: "\(error)")
        }
        return file
    }

    /// `PATCH /vms/{name}`.
    static func update(_ body: JSONValue) throws(HypervisorError) -> VMUpdate {
        var fields = try JSONFields(body)
        var update = VMUpdate()
        update.weight = try fields.integer("weight")
        if fields.has("cap") { update.cap = .some(try fields.integer("cap", nullable: true)) }
        update.dedicated = try fields.integers("cpus")
        if let restart = try fields.string("restart") { update.restart = try policy(restart) }
        if let mib = try fields.integer("balloonTargetMiB") {
            guard (0...65536).contains(mib) else { throw .badRequest(field: "balloonTargetMiB", reason: "\(mib): expected 0 to 65536") }
            update.balloonTargetBytes = UInt64(mib) << 20
        }
        update.vcpus = try fields.integer("vcpus")
        if fields.has("policy") { update.policy = .some(try fields.policy("policy", nullable: true)) }
        try fields.finish()
        guard update != VMUpdate() else {
            throw .badRequest(field: "body", reason: "nothing to change: give weight, cap, cpus, restart, vcpus, policy or balloonTargetMiB")
        }
        return update
    }

    /// `POST /vms/{name}/stop`.
    static func stop(_ body: JSONValue) throws(HypervisorError) -> (force: Bool, timeoutSeconds: Double) {
        var fields = try JSONFields(body)
        let force = try fields.bool("force") ?? false
        let timeout = try fields.number("timeoutSeconds") ?? 10
        guard timeout >= 0 && timeout <= 3600 else { throw .badRequest(field: "timeoutSeconds", reason: "\(timeout): expected 0 to 3600") }
        try fields.finish()
        return (force, timeout)
    }

    /// `POST /vms/{name}/snapshots`.
    static func snapshot(_ body: JSONValue) throws(HypervisorError) -> String {
        var fields = try JSONFields(body)
        guard let tag = try fields.string("tag") else { throw .badRequest(field: "tag", reason: "missing") }
        try fields.finish()
        return tag
    }

    /// `POST /vms/{name}/restore`.
    static func restore(_ body: JSONValue) throws(HypervisorError) -> (tag: String, clock: SnapshotClock) {
        var fields = try JSONFields(body)
        guard let tag = try fields.string("tag") else { throw .badRequest(field: "tag", reason: "missing") }
        let clockName = try fields.string("clock") ?? "resume"
        guard let clock = SnapshotClock(rawValue: clockName) else {
            throw .badRequest(field: "clock", reason: "'\(clockName)': expected resume or sync")
        }
        try fields.finish()
        return (tag, clock)
    }

    private static func policy(_ name: String) throws(HypervisorError) -> RestartPolicy {
        guard let policy = RestartPolicy(rawValue: name) else {
            throw .badRequest(field: "restart", reason: "'\(name)': expected never, on-failure or always")
        }
        return policy
    }
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = "", rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
