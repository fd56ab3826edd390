"""The `world` fixture of the fault-injection suite (tests/faults/world.py), and its `faults` marker."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.world import FLOW_REPORTS, World, open_world


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults(rate, sustained, seed, cold_start): the fault injector's settings")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the flows went through (in this process: under pytest-xdist, each worker keeps its own)."""
    if not FLOW_REPORTS:
        return
    terminalreporter.section("fault injection")
    for flow, (_, report) in FLOW_REPORTS.items():
        terminalreporter.write_line(f"{flow}: {report}")
    terminalreporter.write_line(f"total: {sum(faults for faults, _ in FLOW_REPORTS.values())} faults injected")


@pytest.fixture
def world(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    """A fresh stack under moto, faults installed but paused. FAULT_SEED, FAULT_RATE and FAULT_SUSTAINED replay the
    flows with other dice; a test's `faults` marker wins over them."""
    marker = request.node.get_closest_marker("faults")
    options = marker.kwargs if marker else {}
    with open_world(
        tmp_path,
        rate=float(options.get("rate", os.environ.get("FAULT_RATE", 0.35))),
        sustained=float(options.get("sustained", os.environ.get("FAULT_SUSTAINED", 0.02))),
        seed=int(options.get("seed", os.environ.get("FAULT_SEED", 20260312))),
        cold_start=bool(options.get("cold_start", True)),
    ) as world:
        yield world
