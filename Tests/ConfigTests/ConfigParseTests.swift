import Testing
import IotaRPC
import Ledger
@testable import Config

/// A file that sets every key of DESIGN §3.2 to a non-default value.
let fullFile = """
# every key, none at its default
serial.device = /dev/ttyAMA0
serial.baud = 19200
serial.format = 8E2
serial.timeout = 250ms
poll.interval = 2s
socket.path = /tmp/tm.sock
socket.mode = 0600
socket.admin_group = power
journal.path = /tmp/tm/journal
journal.checkpoint = 5min
gpio.backend = sim
gpio.chip = pinctrl-rp1
gpio.sim_dir = /tmp/gpio
iota.node = https://api.testnet.iota.cafe:443/rpc jsonrpc:http://127.0.0.1:9000   # trailing comment
iota.poll_interval = 30s
iota.chain = testnet
iota.ca_file = /etc/ssl/certs/ca.pem
iota.credit_existing = yes
meter.fault_timeout = 1min
watchdog.device = /dev/watchdog0
watchdog.timeout = 10s
log = syslog

[meter main]
model = pzem004t
modbus.address = 7
relay.line = 17
relay.active_low = yes
led.line = 27
led.active_low = yes
iota.address = 0xABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789
tariff = 0.25 IOTA/kWh
max_power = 2.3kW
max_power.grace = 1.5s
low_credit = 1.5kWh
friendly_hours = 20:00-08:00
emergency_credit = 0.5 IOTA

[meter flat-2]
relay.line = 22
tariff = 250000000 nanos/kWh
"""

@Test func fullFileSetsEveryKey() throws {
    let c = try Configuration.parse(text: fullFile, path: "/etc/t.conf")
    #expect(c.serial.device == "/dev/ttyAMA0")
    #expect(c.serial.baud == 19200)
    #expect(c.serial.format == SerialFormat(dataBits: 8, parity: .even, stopBits: 2))
    #expect(c.serial.timeout == Milliseconds(250))
    #expect(c.pollInterval == Milliseconds(2000))
    #expect(c.socket.path == "/tmp/tm.sock")
    #expect(c.socket.mode == 0o600)
    #expect(c.socket.adminGroup == "power")
    #expect(c.journal.path == "/tmp/tm/journal")
    #expect(c.journal.checkpoint == Milliseconds(300_000))
    #expect(c.gpio.backend == .sim)
    #expect(c.gpio.chip == .label("pinctrl-rp1"))
    #expect(c.gpio.simDir == "/tmp/gpio")
    #expect(c.iota.nodes == [NodeURL(text: "https://api.testnet.iota.cafe:443/rpc", isTLS: true,
                                     host: "api.testnet.iota.cafe", port: 443),
                             NodeURL(text: "jsonrpc:http://127.0.0.1:9000", isJSONRPC: true, isTLS: false,
                                     host: "127.0.0.1", port: 9000)])
    #expect(c.iota.nodes.map(\.endpoint) == [NodeEndpoint(api: .graphQL, url: "https://api.testnet.iota.cafe:443/rpc"),
                                             NodeEndpoint(api: .jsonRPC, url: "http://127.0.0.1:9000")])
    #expect(c.iota.pollInterval == Milliseconds(30_000))
    #expect(c.iota.chain == .testnet)
    #expect(c.iota.chain.identifier == "2304aa97")
    #expect(c.iota.caFile == "/etc/ssl/certs/ca.pem")
    #expect(c.iota.creditExisting)
    #expect(c.meterFaultTimeout == Milliseconds(60_000))
    #expect(c.watchdog.device == "/dev/watchdog0")
    #expect(c.watchdog.timeout == Milliseconds(10_000))
    #expect(c.log == .syslog)
    #expect(c.meters.count == 2)
    let m = c.meters[0]
    #expect(m.name == "main")
    #expect(m.model == .pzem004t)
    #expect(m.modbusAddress == 7)
    #expect(m.relay == GPIOLine(offset: 17, activeLow: true))
    #expect(m.led == GPIOLine(offset: 27, activeLow: true))
    #expect(m.iotaAddress?.text == "0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
    #expect(m.tariff == Tariff(pricePerKWh: Nanos(250_000_000)))
    #expect(m.maxPower == Deciwatts(23_000))
    #expect(m.maxPowerGrace == Milliseconds(1500))
    #expect(m.lowCredit == WattHours(1500))
    #expect(m.friendlyHours == (try FriendlyHours(startMinute: 20 * 60, endMinute: 8 * 60)))
    #expect(m.emergencyCredit == Nanos(500_000_000))
    #expect(c.meters[1].tariff == m.tariff)
}

@Test func defaultsApplyToOmittedKeys() throws {
    let c = try Configuration.parse(text: "[meter a]\nrelay.line = 4\ntariff = 1 IOTA/kWh\n", path: "x")
    #expect(c.serial.device == "/dev/ttyUSB0")
    #expect(c.serial.baud == 9600)
    #expect(c.serial.format.text == "8N1")
    #expect(c.serial.timeout == Milliseconds(300))
    #expect(c.pollInterval == Milliseconds(1000))
    #expect(c.socket.path == "/run/tanglemeter.sock")
    #expect(c.socket.mode == 0o660)
    #expect(c.socket.adminGroup == nil)
    #expect(c.journal.path == "/var/lib/tanglemeter/journal")
    #expect(c.journal.checkpoint == Milliseconds(60_000))
    #expect(c.gpio.backend == .gpiod)
    #expect(c.gpio.chip == .auto)
    #expect(c.gpio.simDir == nil)
    #expect(c.iota.nodes.isEmpty)
    #expect(c.iota.pollInterval == Milliseconds(10_000))
    #expect(c.iota.chain == .mainnet)
    #expect(c.iota.caFile == nil)
    #expect(!c.iota.creditExisting)
    #expect(c.meterFaultTimeout == Milliseconds(10_000))
    #expect(c.watchdog.device == nil)
    #expect(c.watchdog.timeout == Milliseconds(15_000))
    #expect(c.log == .stderr)
    let m = c.meters[0]
    #expect(m.model == .pzem004t)
    #expect(m.modbusAddress == 1)
    #expect(m.relay == GPIOLine(offset: 4, activeLow: false))
    #expect(m.led == nil)
    #expect(m.iotaAddress == nil)
    #expect(m.maxPower == nil)
    #expect(m.maxPowerGrace == Milliseconds(5000))
    #expect(m.lowCredit == WattHours(100))
    #expect(m.friendlyHours == nil)
    #expect(m.emergencyCredit == nil)
}

@Test func summaryListsEveryKeyAndParsesBackToTheSameConfiguration() throws {
    for text in [fullFile, "[meter a]\nrelay.line = 4\ntariff = 1 IOTA/kWh\n"] {
        let c = try Configuration.parse(text: text, path: "x")
        let summary = c.summary
        for key in Keys.global + Keys.meter {
            #expect(summary.contains { $0.hasPrefix("\(key) = ") || $0.hasPrefix("# \(key) = ") }, "\(key)")
        }
        var joined = ""
        for line in summary { joined += line + "\n" }
        #expect(try Configuration.parse(text: joined, path: "summary") == c)
    }
    let c = try Configuration.parse(text: fullFile, path: "x")
    #expect(c.summary.contains("serial.timeout = 250ms"))
    #expect(c.summary.contains("journal.checkpoint = 5min"))
    #expect(c.summary.contains("socket.mode = 0600"))
    #expect(c.summary.contains("max_power = 2300W"))
    #expect(c.summary.contains("tariff = 0.25 IOTA/kWh"))
    #expect(c.summary.contains("friendly_hours = 20:00-08:00"))
    #expect(c.summary.contains("emergency_credit = 0.5 IOTA"))
    #expect(c.summary.contains("low_credit = 1500Wh"))
}

@Test func the_shipped_sample_configuration_parses() throws {
    let sample = """
    serial.device = /dev/ttyUSB0
    socket.mode = 0660
    # socket.admin_group = tanglemeter
    gpio.chip = auto
    # iota.node = https://api.mainnet.iota.cafe
    [meter main]
    relay.line = 17
    led.line = 27
    # iota.address = 0x<64 hex digits of this socket's receive address>
    tariff = 0.25 IOTA/kWh
    """
    let c = try Configuration.parse(text: sample, path: "x")
    #expect(c.meters[0].led?.offset == 27)
}

@Test func crlfLinesCommentsAndSpacingAreAccepted() throws {
    let text = "  # indented comment\r\nlog=syslog\r\n\r\n[meter a]   # the kitchen\r\nrelay.line\t=\t3\r\ntariff = 1 nanos/kWh\r\n"
    let c = try Configuration.parse(text: text, path: "x")
    #expect(c.log == .syslog)
    #expect(c.meters[0].relay.offset == 3)
    #expect(c.meters[0].tariff.pricePerKWh == Nanos(1))
}

@Test func hashInsideAValueIsNotAComment() throws {
    let text = "iota.node = https://node.example/rpc#x\n[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n"
    #expect(try Configuration.parse(text: text, path: "x").iota.nodes.first?.text == "https://node.example/rpc#x")
}
