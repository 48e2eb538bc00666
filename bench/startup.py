"""Start-up time of ``bootdiag explain`` on a small capture against importing its dependencies.

    python bench/startup.py [--runs 15] [--lines 40]

Baseline: a fresh ``python -c "import typer, rich, lark, pydantic, serial"`` (typer is not one of
bootdiag's dependencies: install it to measure; a command that fails stops the bench). Measured: a fresh
``python -m bootdiag explain`` of a small capture (exit status 1: the capture is diagnosed), as text
and as JSON, read from a file and from a pipe. Each figure is the median of ``--runs`` runs, the
commands taking turns, after one warm-up run each (Lark's grammar cache, bootdiag's build cache, the OS file cache), with the
CPU time (user + system) and the peak resident memory of the same runs. All run as an installed
package does: with bytecode (``.pyc``) files, which are written first, whatever
``PYTHONDONTWRITEBYTECODE`` says.
Target: explain within 0.7x the baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import child_env, use_checkout  # noqa: E402
from generate import capture_bytes  # noqa: E402

use_checkout()


ENV = child_env({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
TARGET = 0.7


@dataclass
class Figures:
    wall: float  # seconds, median
    cpu: float  # seconds of user + system time, median
    peak: float  # MB resident at most, median


def _once(cmd: list[str], stdin: Path | None) -> tuple[float, float, float, int]:
    with open(stdin or os.devnull, "rb") as source:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = 0  # reaped above
    kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss  # macOS counts bytes
    return wall, usage.ru_utime + usage.ru_stime, kib / 1024, os.waitstatus_to_exitcode(status)


@dataclass
class Command:
    argv: list[str]
    stdin: Path | None = None
    expect: int = 0  # its exit status when it ran as meant


def measure(commands: dict[str, Command], runs: int) -> dict[str, Figures]:
    """Each command's medians over ``runs`` runs, the commands taking turns: a load that comes and
    goes on a shared machine then weighs on all of them alike, not on whichever ran while it lasted."""
    for command in commands.values():
        # A command that fails (a dependency of the baseline not installed) would be timed as if it had run.
        status = _once(command.argv, command.stdin)[3]
        if status != command.expect:
            sys.exit(f"{' '.join(command.argv)}: exit status {status}, not {command.expect}: install what it needs "
                     "(typer is not a dependency)")
    samples: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(_once(command.argv, command.stdin))
    return {name: Figures(*(statistics.median(s[i] for s in runs_of) for i in range(3))) for name, runs_of in samples.items()}


def compile_package() -> None:
    import bootdiag

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(bootdiag.__file__)], capture_output=True, env=ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lines", type=int, default=40, help="Lines of the capture (a boot loop; default 40).")
    args = parser.parse_args()
    compile_package()
    explain = [sys.executable, "-m", "bootdiag", "explain"]
    with tempfile.TemporaryDirectory(prefix="bootdiag-startup-") as tmp:
        small = Path(tmp) / "small.log"
        small.write_bytes(capture_bytes("bootloop", args.lines))
        rows = measure({
            "python bare start": Command([sys.executable, "-c", "pass"]),
            "import typer rich lark pydantic serial": Command([sys.executable, "-c", "import typer, rich, lark, pydantic, serial"]),
            "explain small.log": Command([*explain, str(small)], expect=1),
            "explain small.log --format json": Command([*explain, str(small), "--format", "json"], expect=1),
            "explain - < small.log": Command([*explain, "-"], stdin=small, expect=1),
            "explain - --format json < small.log": Command([*explain, "-", "--format", "json"], stdin=small, expect=1),
        }, args.runs)
    deps = rows["import typer rich lark pydantic serial"]
    print(f"{'':40} {'wall ms':>8} {'ratio':>6} {'CPU ms':>7} {'peak MB':>8}")
    for name, f in rows.items():
        print(f"{name:40} {f.wall * 1000:8.1f} {f.wall / deps.wall:6.2f} {f.cpu * 1000:7.1f} {f.peak:8.1f}")
    worst = max(f.wall for name, f in rows.items() if name.startswith("explain")) / deps.wall
    print(f"slowest explain / dependencies: {worst:.2f}   target <= {TARGET}   {'MET' if worst <= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
