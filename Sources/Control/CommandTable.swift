/// One command of the socket protocol: its name, its arguments as `help` shows them, and whether
/// it needs an admin peer. `CommandSpec.all` is the one table both `help` and the admin check read.
public struct CommandSpec: Equatable, Sendable {
    public var name: String
    /// Arguments after the name, ASCII: `METER AMOUNT UNIT [NOTE...]`; empty for none.
    public var arguments: String
    public var admin: Bool

    /// The table of DESIGN §3.3, in the order `help` lists it.
    public static let all: [CommandSpec] = [
        CommandSpec(name: "help", arguments: "", admin: false),
        CommandSpec(name: "version", arguments: "", admin: false),
        CommandSpec(name: "status", arguments: "[METER]", admin: false),
        CommandSpec(name: "meter", arguments: "METER", admin: false),
        CommandSpec(name: "payments", arguments: "METER [N]", admin: false),
        CommandSpec(name: "watch", arguments: "[METER]", admin: false),
        CommandSpec(name: "metrics", arguments: "", admin: false),
        CommandSpec(name: "credit", arguments: "METER AMOUNT IOTA|nanos [NOTE...]", admin: true),
        CommandSpec(name: "relay", arguments: "METER on|off|auto", admin: true),
        CommandSpec(name: "reset-energy", arguments: "METER", admin: true),
        CommandSpec(name: "reload", arguments: "", admin: true),
    ]

    public static func named(_ name: Substring) -> CommandSpec? {
        all.first { $0.name == name }
    }

    /// `credit METER AMOUNT IOTA|nanos [NOTE...] (admin)`: the value of a `command` line.
    public var synopsis: String {
        var text = name
        if !arguments.isEmpty { text += " " + arguments }
        if admin { text += " (admin)" }
        return text
    }
}
