import Foundation
import Testing

/// `isola serve --web` driven from headless Chromium (Tests/WebConsole/web_console.py,
/// Selenium pinned in requirements.txt): the list of two VMs this test created
/// through the API, Start from the page, a refusal shown, the console typed on and
/// read back, Pause seen by the API, a screenshot kept in .build/artifacts/, and
/// every request without the token refused.
@Suite(.serialized) struct WebConsoleTests {
    @Test func theConsoleInABrowserDrivesTheVMsAndNeedsTheToken() throws {
        let python = try APIFuzzTests.pythonEnvironment()
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "no \(tool); run scripts/setup.sh")
        }
        let log = NSTemporaryDirectory() + "isola-web-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let hv = try HypervisorHarness(arguments: ["--shutdown-timeout", "1", "--web", "127.0.0.1:0"], errorLog: log)
        defer { hv.close() }
        var url: String?
        #expect(hv.wait(seconds: 20) {
            url = (try? String(contentsOfFile: log, encoding: .utf8))?.firstMatch(of: /web console at (http:\S+)/).map { String($0.1) }
            return url != nil
        }, "isola serve printed no web console URL")
        let web = try #require(url)
        // Two guests of the default image with the shell on their console.
        let image = try LinuxBootTests.image()
        for name in ["alpha", "beta"] {
            let body = "{\"name\":\"\(name)\",\"memory\":\"64M\",\"kernel\":\"\(image.kernel)\",\"initrd\":\"\(image.initramfs)\",\"append\":\"console=ttyS0 quiet\"}"
            #expect(try hv.call("POST", "/vms", body).status == 201)
        }
        let script = Process()
        script.executableURL = URL(fileURLWithPath: python + "/bin/python")
        script.arguments = [GuestRunner.repositoryRoot.appendingPathComponent("Tests/WebConsole/web_console.py").path]
        var environment = ProcessInfo.processInfo.environment
        environment["ISOLA_WEB_URL"] = web
        environment["ISOLA_API_SOCKET"] = hv.socket
        environment["ISOLA_ARTIFACTS"] = GuestRunner.repositoryRoot.appendingPathComponent(".build/artifacts").path
        script.environment = environment
        let output = Pipe()
        script.standardOutput = output
        script.standardError = output
        try script.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        #expect(script.terminationStatus == 0 && text.contains("PASS"), "the browser test failed:\n\(text.suffix(6000))")
    }
}
