"""Fixtures shared by every end-to-end test: temporary folders and processes that are always
stopped, however the test ends. The binaries come from $TM_BIN_DIR (default build/) and run
through $TM_RUNNER (default none; "qemu-aarch64-static -L /" for the aarch64 pass)."""

import pytest

import support


def pytest_configure(config):
    config.addinivalue_line("markers", "x86_only: cannot run under qemu-user (the aarch64 pass skips it)")
    # The suite runs in parallel (pytest-xdist, `make e2e`); a test whose assertion is a latency or
    # an elapsed time runs alone afterwards (`-m serial`), where its bound means what it says.
    config.addinivalue_line("markers", "serial: asserts a latency or elapsed time; run alone, not in parallel")


def pytest_collection_modifyitems(config, items):
    if not support.under_emulation():
        return
    skip = pytest.mark.skip(reason="x86_only: not run under $TM_RUNNER")
    for item in items:
        if "x86_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def no_value_printed_by_reflection():
    """Fails any test during which a firmware process (the daemon's log, meter-sim's output) printed
    a value by reflection — Embedded Swift's `(cannot print value in embedded Swift)` — since that
    loses what the line was written to say (issue 17: `relay override` hid on from off). Autouse
    and first set up, so it is torn down last, after the fixtures that stop and read the processes."""
    seen = len(support.reflection_lines)
    yield
    found = support.reflection_lines[seen:]
    if found:
        pytest.fail("firmware output printed a value by reflection:\n" + "\n".join(found[:10]), pytrace=False)


@pytest.fixture
def processes():
    """Collects started `support.Process` objects and stops them all at teardown."""
    started: list[support.Process] = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def meter_sim(tmp_path, processes):
    """A factory: `meter_sim("--power", "100")` starts meter-sim on a pty linked at
    tmp_path/"ttyPZEM" (or `link=`), waits for `ready`, and stops it after the test."""
    def start(*args, link=None, stdin=support.subprocess.PIPE):
        sim = support.MeterSim(link or tmp_path / "ttyPZEM", *map(str, args), stdin=stdin)
        processes.append(sim)
        return sim.wait_ready()
    return start
