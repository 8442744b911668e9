import CSystem
import Config
import Testing
@testable import Daemon

@Suite struct SerialFormatTests {
    @Test func termiosFlagsFollowTheFormat() {
        let flags = { (text: String) in SerialFormat(text: text[...])!.controlFlags }
        #expect(flags("8N1") == tcflag_t(CS8))
        #expect(flags("7E1") == tcflag_t(CS7) | tcflag_t(PARENB))
        #expect(flags("8O2") == tcflag_t(CS8) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB))
        #expect(flags("5N1") & ~SerialFormat.controlMask == 0)
    }

    @Test func badBaudMessageListsTheRates() {
        let message = SerialError.unsupportedBaud(14400).message
        #expect(message.contains("14400"))
        #expect(message.contains("1200") && message.contains("9600") && message.contains("115200"))
    }
}
