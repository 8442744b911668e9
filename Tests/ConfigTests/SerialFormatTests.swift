import Testing
@testable import Config

@Suite struct SerialFormatTests {
    @Test(arguments: [
        ("8N1", 8, Parity.none, 1, 10), ("8N2", 8, .none, 2, 11), ("8E1", 8, .even, 1, 11),
        ("8O1", 8, .odd, 1, 11), ("7E1", 7, .even, 1, 10), ("7O2", 7, .odd, 2, 11), ("5N1", 5, .none, 1, 7),
    ])
    func parsesFormats(text: String, data: Int, parity: Parity, stop: Int, bits: Int) throws {
        let format = try #require(SerialFormat(text: text[...]))
        #expect(format == SerialFormat(dataBits: data, parity: parity, stopBits: stop))
        #expect(format.bitsPerCharacter == bits)
        #expect(format.text == text)
        #expect(try Values.serialFormat(text[...]) == format)
    }

    // Lowercase parity is refused as the configuration reference documents it: N, E or O.
    @Test(arguments: ["", "8N", "8N1 ", "9N1", "4N1", "8X1", "8N3", "8N0", "N81", "8n1", "7o2", "8n1x", "８N1"])
    func rejectsMalformedFormats(text: String) {
        #expect(SerialFormat(text: text[...]) == nil)
        #expect(throws: Expected.self) { try Values.serialFormat(text[...]) }
    }

    @Test func theDefaultIsThePZEMsFormat() {
        #expect(SerialSettings().format == .eightNoneOne && SerialFormat.eightNoneOne.text == "8N1")
    }
}
