import IsolaCore
import Testing

/// The hex codec the gdb stub, the monitor's `sendkeys HEX` (what the web console
/// types through) and the web console's token share.
@Suite struct HexTests {
    @Test func hexSpellsTheBytesAndAnythingElseIsRefused() {
        #expect(Hex.decode("6563686f0d") == Array("echo\r".utf8))
        #expect(Hex.decode("00ff7F") == [0, 255, 127])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)     // an odd count
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("+1") == nil)      // no sign, only digits
    }

    @Test func bytesEncodeAsTwoLowerCaseDigitsEachAndDecodeBack() {
        #expect(Hex.encode([0, 9, 10, 255]) == "00090aff")
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
    }
}
