"""Start-up time of ``bootdiag explain`` on a small capture against importing its dependencies.

    python bench/startup.py [--runs 15] [--lines 40]

Baseline: a fresh ``python -c "import typer, rich, lark, pydantic, serial"`` (typer is not one of
bootdiag's dependencies: install it to measure; a command that fails stops the bench). Measured: a fresh
``python -m bootdiag explain`` of a small capture (exit status 1: the capture is diagnosed), as text
and as JSON, read from a file and from a pipe. Each figure is the median of ``--runs`` runs, after
one warm-up run each (Lark's grammar cache, bootdiag's build cache, the OS file cache), with the
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
from generate import capture_bytes  # noqa: E402


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
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


def measure(cmd: list[str], runs: int, stdin: Path | None = None, expect: int = 0) -> Figures:
    # A command that fails (a dependency of the baseline not installed) would be timed as if it had run.
    status = _once(cmd, stdin)[3]
    if status != expect:
        sys.exit(f"{' '.join(cmd)}: exit status {status}, not {expect}: install what it needs (typer is not a dependency)")
    samples = [_once(cmd, stdin) for _ in range(runs)]
    return Figures(*(statistics.median(s[i] for s in samples) for i in range(3)))


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
        rows = {
            "python bare start": measure([sys.executable, "-c", "pass"], args.runs),
            "import typer rich lark pydantic serial": measure([sys.executable, "-c", "import typer, rich, lark, pydantic, serial"], args.runs),
            "explain small.log": measure([*explain, str(small)], args.runs, expect=1),
            "explain small.log --format json": measure([*explain, str(small), "--format", "json"], args.runs, expect=1),
            "explain - < small.log": measure([*explain, "-"], args.runs, stdin=small, expect=1),
            "explain - --format json < small.log": measure([*explain, "-", "--format", "json"], args.runs, stdin=small, expect=1),
        }
    deps = rows["import typer rich lark pydantic serial"]
    print(f"{'':40} {'wall ms':>8} {'ratio':>6} {'CPU ms':>7} {'peak MB':>8}")
    for name, f in rows.items():
        print(f"{name:40} {f.wall * 1000:8.1f} {f.wall / deps.wall:6.2f} {f.cpu * 1000:7.1f} {f.peak:8.1f}")
    worst = max(f.wall for name, f in rows.items() if name.startswith("explain")) / deps.wall
    print(f"slowest explain / dependencies: {worst:.2f}   target <= {TARGET}   {'MET' if worst <= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
