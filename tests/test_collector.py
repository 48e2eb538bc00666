"""The command line pauses Python's cyclic garbage collector while explain starts and reads the start
of a capture (bootdiag/app/collector.py), and runs it again after that, and for every other command."""
from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.app import collector
from bootdiag.app.run import SNIFF_BYTES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import capture_bytes  # noqa: E402

# Runs the command line as `python -m bootdiag` does, saying on stderr whether the collector runs when
# the command's work ends (explain's report is made, or another command's handler is called).
_PROBE = """
import gc, sys
import bootdiag.app.cli as cli
import bootdiag.app.run as run
made = run.finish
def finish(started):
    sys.stderr.write(f"collector={gc.isenabled()}\\n")
    return made(started)
run.finish = finish
listed = cli.cmd_rules
def cmd_rules(args, env):
    sys.stderr.write(f"collector={gc.isenabled()}\\n")
    return listed(args, env)
cli.cmd_rules = cmd_rules
sys.argv = ["bootdiag", *sys.argv[1:]]
from bootdiag.__main__ import main
main()
"""


def _collector_at_work(*argv: str) -> bool:
    out = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=120)
    said = [line for line in out.stderr.splitlines() if line.startswith("collector=")]
    assert said, out.stderr
    return said[-1] == "collector=True"


def test_a_small_capture_is_explained_with_the_collector_paused(tmp_path):
    capture = tmp_path / "small.log"
    capture.write_bytes(capture_bytes("bootloop", 40))
    assert not _collector_at_work("explain", str(capture))


def test_the_collector_runs_again_once_the_start_of_a_long_capture_is_read(tmp_path):
    capture = tmp_path / "long.log"
    capture.write_bytes(capture_bytes("healthy", 20_000))
    assert capture.stat().st_size > SNIFF_BYTES
    assert _collector_at_work("explain", str(capture))


def test_any_other_command_runs_with_the_collector():
    assert _collector_at_work("rules")


@pytest.fixture
def collector_untouched():
    was = gc.isenabled()
    yield
    collector.resume()
    if was:
        gc.enable()


def test_resume_undoes_only_a_pause_of_its_own(collector_untouched):
    gc.disable()
    collector.pause()  # already off: left as the caller set it
    collector.resume()
    assert not gc.isenabled()
    gc.enable()
    collector.pause()
    assert not gc.isenabled() and collector.paused()
    collector.resume()
    assert gc.isenabled() and not collector.paused()
