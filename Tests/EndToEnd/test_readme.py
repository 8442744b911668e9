"""README.md cannot drift from the code: its protocol reference is compared with the running
daemon's `help` and with the error codes of Sources/Control, its configuration reference with the
keys Sources/Config/Keys.swift accepts and with the defaults `tanglemeter --check` prints."""
import os
import re

import pytest

from daemon_harness import ROOT, Daemon, Simulator

README = os.path.join(ROOT, "README.md")
KEYS_SWIFT = os.path.join(ROOT, "Sources", "Config", "Keys.swift")
CONTROL_ERROR_SWIFT = os.path.join(ROOT, "Sources", "Control", "ControlError.swift")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(text, title):
    """The body of the `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def table_rows(text):
    """Cells of every markdown table row in `text`, header and separator rows left out."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(set(c) <= set("- :") for c in cells) or cells[0] in ("key", "code"):
            continue
        rows.append(cells)
    return rows


def unquoted(cell):
    """`serial.device` → serial.device; a cell that is not one code span stays as it is."""
    match = re.fullmatch(r"`([^`]*)`", cell)
    return match.group(1) if match else cell


def readme_config_tables():
    """{"global": {key: default cell}, "meter": {…}} from the configuration reference."""
    body = section(read(README), "Configuration reference")
    global_part, found, meter_part = body.partition("Meter keys")
    assert found, "the configuration reference has no 'Meter keys' table"
    tables = {}
    for scope, part in (("global", global_part), ("meter", meter_part)):
        rows = table_rows(part)
        keys = [unquoted(r[0]) for r in rows]
        assert len(keys) == len(set(keys)), f"a {scope} key is listed twice: {keys}"
        tables[scope] = {unquoted(r[0]): r[1] for r in rows}
    return tables


def swift_string_list(source, name):
    match = re.search(rf"static let {name} = \[(.*?)\]", source, re.S)
    assert match, f"Keys.swift has no `static let {name}`"
    return re.findall(r'"([^"]+)"', match.group(1))


# --- the protocol --------------------------------------------------------------------------

@pytest.fixture
def daemon(tmp_path):
    sim = Simulator(str(tmp_path))
    d = Daemon(str(tmp_path), sim.link)
    try:
        d.start()
        yield d
    finally:
        d.close()
        sim.close()


def readme_help_block():
    """The fenced block in the protocol reference that quotes `help`'s reply."""
    body = section(read(README), "Protocol reference")
    for block in re.findall(r"```\n(.*?)```", body, re.S):
        lines = block.strip("\n").splitlines()
        if lines and all(line.startswith("command ") for line in lines):
            return lines
    raise AssertionError("the protocol reference quotes no `help` reply")


def test_the_readme_quotes_help_exactly(daemon):
    assert readme_help_block() == daemon.ok("help")


def test_every_command_has_its_own_entry_saying_who_may_use_it(daemon):
    body = section(read(README), "Protocol reference")
    entries = dict(re.findall(r"^#### `([^`]+)`\n(\w+)\.", body, re.M))
    expected = {}
    for line in daemon.ok("help"):
        synopsis = line[len("command "):]
        admin = synopsis.endswith(" (admin)")
        expected[synopsis.removesuffix(" (admin)")] = "Admin" if admin else "Anyone"
    assert entries == expected


def test_the_error_codes_are_the_ones_the_protocol_uses():
    source = read(CONTROL_ERROR_SWIFT)
    in_code = set(re.findall(r"case \.\w+: return (\d{3})", source))
    assert in_code, "no error codes found in ControlError.swift"
    rows = table_rows(section(read(README), "Protocol reference"))
    in_readme = {unquoted(r[0]) for r in rows}
    assert in_readme == in_code


# --- the configuration ---------------------------------------------------------------------

def test_the_config_tables_list_exactly_the_keys_the_parser_accepts():
    source = read(KEYS_SWIFT)
    tables = readme_config_tables()
    assert sorted(tables["global"]) == sorted(swift_string_list(source, "global"))
    assert sorted(tables["meter"]) == sorted(swift_string_list(source, "meter"))


def parse_summary(text):
    """`--check`'s summary → {"global": {key: value or None}, "meter": {…}} (first meter)."""
    scopes = {"global": {}, "meter": {}}
    scope = "global"
    for line in text.splitlines():
        if line.startswith("[meter "):
            scope = "meter"
            continue
        match = re.fullmatch(r"(#\s*)?([a-z_.]+) = (.*)", line)
        if match:
            value = None if match.group(1) else match.group(3)
            scopes[scope][match.group(2)] = value
    return scopes


# The keys a minimal configuration has to set; their table rows say "(required)" or "(none)".
MINIMAL_METER = {"relay.line": "17", "led.line": "27", "tariff": "0.25 IOTA/kWh"}


def test_the_documented_defaults_are_the_ones_the_code_applies(tmp_path):
    config = tmp_path / "minimal.conf"
    config.write_text("[meter main]\n" + "".join(f"{k} = {v}\n" for k, v in MINIMAL_METER.items()))
    d = Daemon(str(tmp_path), "/dev/null")
    result = d.cli("-c", str(config), "--check")
    assert result.returncode == 0, result.stderr
    summary = parse_summary(result.stdout)
    tables = readme_config_tables()
    for scope in ("global", "meter"):
        assert sorted(summary[scope]) == sorted(tables[scope]), scope
        for key, value in summary[scope].items():
            documented = tables[scope][key]
            if key in MINIMAL_METER and scope == "meter":
                assert documented.startswith(("(required)", "(none")), (key, documented)
            elif value is None:
                assert documented.startswith("(none"), (key, documented)
            else:
                assert documented == f"`{value}`", (key, documented, value)
