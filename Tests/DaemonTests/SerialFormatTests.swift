import Testing
@testable import Daemon
import OS

@Suite struct SerialFormatTests {
    @Test(arguments: [
        ("8N1", 8, SerialFormat.Parity.none, 1, 10), ("8N2", 8, .none, 2, 11), ("8E1", 8, .even, 1, 11),
        ("8O1", 8, .odd, 1, 11), ("7E1", 7, .even, 1, 10), ("7o2", 7, .odd, 2, 11), ("5N1", 5, .none, 1, 7),
    ])
    func parsesFormats(text: String, data: Int, parity: SerialFormat.Parity, stop: Int, bits: Int) throws {
        let format = try SerialFormat.parse(text)
        #expect(format == SerialFormat(dataBits: data, parity: parity, stopBits: stop))
        #expect(format.bitsPerCharacter == bits)
        #expect(format.text == text.uppercased())
    }

    @Test(arguments: ["", "8N", "8N1 ", "9N1", "4N1", "8X1", "8N3", "8N0", "N81", "8n1x", "８N1"])
    func rejectsMalformedFormats(text: String) {
        #expect(throws: SerialError.badFormat(text)) { try SerialFormat.parse(text) }
        #expect(SerialError.badFormat(text).message.contains("e.g. 8N1"))
    }

    @Test func badBaudMessageListsTheRates() {
        let message = SerialError.unsupportedBaud(14400).message
        #expect(message.contains("14400"))
        #expect(message.contains("1200") && message.contains("9600") && message.contains("115200"))
    }
}
