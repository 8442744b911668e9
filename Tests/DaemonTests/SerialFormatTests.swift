import CSystem
import Config
import Testing
@testable import Daemon
import OS

@Suite struct SerialFormatTests {
    @Test func badBaudMessageListsTheRates() {
        let message = SerialError.unsupportedBaud(14400).message
        #expect(message.contains("14400"))
        #expect(message.contains("1200") && message.contains("9600") && message.contains("115200"))
    }
}
