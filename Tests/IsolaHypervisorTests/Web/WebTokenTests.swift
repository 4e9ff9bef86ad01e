import IsolaHypervisor
import Testing

@Suite struct WebTokenTests {
    @Test func aTokenIsSixtyFourHexDigitsAndNeverTheSameTwice() throws {
        let a = try #require(WebToken.make()), b = try #require(WebToken.make())
        #expect(a.value.count == 64 && a.value.allSatisfy(\.isHexDigit))
        #expect(a != b)
        #expect(a.value != String(repeating: "0", count: 64))
    }
}
