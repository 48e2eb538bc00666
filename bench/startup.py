"""Start-up time of ``bootdiag explain`` on a small capture against importing its dependencies.

    python bench/startup.py [--runs 15]

Baseline: a fresh ``python -c "import typer, rich, lark, pydantic, serial"``. Measured: a fresh
``python -m bootdiag explain small.log`` (exit status 1: the capture is diagnosed). Both are the
median of ``--runs`` runs, after one warm-up run each (Lark's grammar cache, bootdiag's build
cache, the OS file cache). Both run as an installed package does: with bytecode (``.pyc``) files,
which are written first, whatever ``PYTHONDONTWRITEBYTECODE`` says.
Target: explain within 1.3x the baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import capture_bytes  # noqa: E402


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True, env=ENV)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compile_package() -> None:
    import bootdiag

    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(bootdiag.__file__)], capture_output=True, env=ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="bootdiag-startup-") as tmp:
        small = Path(tmp) / "small.log"
        small.write_bytes(capture_bytes("bootloop", 40))
        bare = median_seconds([sys.executable, "-c", "pass"], args.runs)
        deps = median_seconds([sys.executable, "-c", "import typer, rich, lark, pydantic, serial"], args.runs)
        explain = median_seconds([sys.executable, "-m", "bootdiag", "explain", str(small)], args.runs)
    ratio = explain / deps
    print(f"python bare start              : {bare * 1000:7.1f} ms")
    print(f"import typer rich lark pydantic serial: {deps * 1000:7.1f} ms")
    print(f"bootdiag explain small.log     : {explain * 1000:7.1f} ms")
    print(f"ratio                          : {ratio:7.2f}   target <= 1.3   {'MET' if ratio <= 1.3 else 'NOT MET'}")


if __name__ == "__main__":
    main()
