import Foundation
import IsolaUser
import Testing

/// `isola exec --policy FILE`: the rules as the file gives them, and every malformed
/// rule refused naming its number and what is wrong.
@Suite struct SystemCallPolicyTests {
    func policy(_ json: String) throws -> SystemCallPolicy {
        let path = NSTemporaryDirectory() + "isola-policy-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return try SystemCallPolicy(file: path)
    }

    @Test func rulesReadAsWritten() throws {
        let p = try policy(#"{"rules": [{"syscall": "openat", "path": "/etc/secrets", "action": "deny", "errno": "EACCES"}, {"syscall": "unlinkat", "action": "log"}, {"syscall": "*", "action": "allow"}]}"#)
        #expect(p.rules.map(\.systemCall) == ["openat", "unlinkat", "*"])
        #expect(p.rules[0].action == .deny(errno: 13) && p.rules[0].pathPrefix == Array("/etc/secrets".utf8))
        #expect(p.rules[1].action == .log && p.rules[1].pathPrefix == nil)
    }

    @Test func malformedRulesAreRefusedByNumber() throws {
        let cases: [(String, String)] = [
            (#"{"rules": [{"syscall": "opne", "action": "deny"}]}"#, "rule 1: unknown system call"),
            (#"{"rules": [{"syscall": "openat", "action": "allow"}, {"syscall": "openat", "path": "etc", "action": "deny"}]}"#, "rule 2: \"path\" must be an absolute path"),
            (#"{"rules": [{"syscall": "openat", "action": "log", "errno": 1}]}"#, "\"errno\" goes only with"),
            (#"{"rules": [{"syscall": "openat", "action": "forbid"}]}"#, "\"action\" must be"),
            (#"{"rules": [{"syscall": "openat", "action": "deny", "colour": "red"}]}"#, "unknown field \"colour\""),
            (#"[1, 2]"#, "not a JSON object"),
        ]
        for (json, message) in cases {
            #expect { try policy(json) } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}
