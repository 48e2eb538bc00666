"""Throughput and memory of ``bootdiag.explain`` on generated captures; prints the figures.

    python bench/throughput.py            # full sizes (about a minute on 2 cores)
    python bench/throughput.py --quick    # a tenth of the lines

Figures, each with its target:

1. healthy app noise (colour, CRLF): explain's lines/s against a Python loop that decodes the
   same file, splits it into lines and matches one compiled envelope regex on each (the regex
   allows the colour prefix, so it really matches). Target: ratio >= 0.5.
2. boot loop, every line a ROM or bootloader line: lines/s. Target: >= 150k lines/s.
3. peak memory (high-water mark of a fresh process, interpreter and imports included) of explain on a
   1M-line and a 2M-line boot loop: target <= 150 MB at 2M and flat (2M within 10% of 1M).

Timings are the best of ``--repeat`` runs in this process (the machine is shared: the best run is
the one least disturbed). All families are loaded, as ``bootdiag explain`` loads them.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_capture  # noqa: E402

# The ESP-IDF envelope, "I (123) tag: ", after an optional colour code.
ENVELOPE = re.compile(r"(?:\x1b\[[0-9;]*m)?([EWIDV]) \((\d+|\d\d:\d\d:\d\d\.\d+)\) ([A-Za-z0-9_.\-/]+): ")


def baseline_lines_per_s(path: Path, repeat: int) -> tuple[float, int]:
    data = path.read_bytes()
    best, matched = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        matched = 0
        lines = data.decode("utf-8", "replace").splitlines()
        for line in lines:
            if ENVELOPE.match(line):
                matched += 1
        best = min(best, time.perf_counter() - start)
    return len(lines) / best, matched


def explain_lines_per_s(path: Path, repeat: int):
    from bootdiag.core.pipeline import explain

    explain("")  # rules, grammars and the trigger screen are built once per process
    best, report = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        report = explain(path)
        best = min(best, time.perf_counter() - start)
    return report.stats["lines"] / best, report


# Peak memory is the process's own high-water mark (Linux: VmHWM, which starts afresh at exec).
# getrusage's ru_maxrss is the fallback: on Linux it also counts the parent's memory at fork time.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from bootdiag.core.pipeline import explain

def peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

start = time.perf_counter()
report = explain(Path(sys.argv[1]))
elapsed = time.perf_counter() - start
print(json.dumps({"lines": report.stats["lines"], "seconds": elapsed, "findings": len(report.findings),
                  "top_occurrences": report.findings[0].occurrences if report.findings else 0,
                  "max_rss_mb": peak_mb()}))
"""


def explain_in_fresh_process(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the lines")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    healthy_n, loop_n, big_n = 1_000_000 // scale, 300_000 // scale, 2_000_000 // scale

    with tempfile.TemporaryDirectory(prefix="bootdiag-bench-") as tmp:
        tmp_path = Path(tmp)
        healthy = write_capture(tmp_path / "healthy.log", "healthy", healthy_n)
        loop = write_capture(tmp_path / "bootloop.log", "bootloop", loop_n)

        base, matched = baseline_lines_per_s(healthy, args.repeat)
        rate, report = explain_lines_per_s(healthy, args.repeat)
        ratio = rate / base
        print(f"healthy app noise, {healthy_n:,} lines ({healthy.stat().st_size / 1e6:.0f} MB, colour, CRLF)")
        print(f"  envelope-regex loop : {base:12,.0f} lines/s ({matched:,} lines matched)")
        print(f"  bootdiag explain    : {rate:12,.0f} lines/s, status {report.status}")
        print(f"  ratio               : {ratio:12.2f}   target >= 0.5   {'MET' if ratio >= 0.5 else 'NOT MET'}")

        rate, report = explain_lines_per_s(loop, args.repeat)
        top = report.findings[0] if report.findings else None
        print(f"boot loop, {loop_n:,} lines, every line from the ROM or bootloader")
        print(f"  bootdiag explain    : {rate:12,.0f} lines/s   target >= 150,000   {'MET' if rate >= 150_000 else 'NOT MET'}")
        if top is not None:
            print(f"  findings            : {len(report.findings)} ({top.id} x{top.occurrences}, lines {top.first_line}..{top.last_line})")

        healthy.unlink()
        loop.unlink()
        half = write_capture(tmp_path / "half.log", "bootloop", big_n // 2)
        small = explain_in_fresh_process(half)
        half.unlink()
        big = write_capture(tmp_path / "big.log", "bootloop", big_n)
        large = explain_in_fresh_process(big)
        growth = large["max_rss_mb"] / small["max_rss_mb"]
        print("peak memory (high-water mark of a fresh process running explain)")
        for name, r in ((f"{big_n // 2:,} lines", small), (f"{big_n:,} lines", large)):
            print(f"  {name:<19} : {r['max_rss_mb']:8.1f} MB   {r['lines'] / r['seconds']:10,.0f} lines/s   "
                  f"{r['findings']} finding(s), top seen {r['top_occurrences']:,}x")
        ok = large["max_rss_mb"] <= 150 and growth <= 1.10
        print(f"  growth 1x -> 2x     : {growth:8.2f}x   target <= 150 MB and flat   {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
