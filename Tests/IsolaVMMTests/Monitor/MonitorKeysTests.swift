import IsolaVMM
import Testing

/// `sendkeys HEX`, the monitor command the web console types through.
@Suite struct MonitorKeysTests {
    @Test func hexSpellsTheBytesAndAnythingElseIsRefused() {
        #expect(Monitor.bytes(hex: "6563686f0d") == Array("echo\r".utf8))
        #expect(Monitor.bytes(hex: "00ff7F") == [0, 255, 127])
        #expect(Monitor.bytes(hex: "") == [])
        #expect(Monitor.bytes(hex: "abc") == nil)     // an odd count
        #expect(Monitor.bytes(hex: "zz") == nil)
        #expect(Monitor.bytes(hex: "+1") == nil)      // no sign, only digits
    }
}
