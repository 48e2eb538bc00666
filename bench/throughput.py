"""Throughput and memory of ``bootdiag.explain`` on generated captures; prints the figures.

    python bench/throughput.py            # full sizes (about a minute on 2 cores)
    python bench/throughput.py --quick    # a tenth of the lines

Figures, each with its target:

1. healthy app noise (colour, CRLF): explain's lines/s against a Python loop that decodes the
   same file, splits it into lines and matches one compiled envelope regex on each (the regex
   allows the colour prefix, so it really matches). Target: ratio >= 1.2.
2. boot loop, every line a ROM or bootloader line: explain's lines/s against the same loop (on
   the app-noise file, as in 1). Target: ratio >= 0.3.
3. peak memory (high-water mark of a fresh process, interpreter and imports included) of explain on a
   1M-line and a 2M-line boot loop: target <= 30 MB at 2M and flat (2M within 10% of 1M).

``--by-kind`` adds where the app-noise time goes: the same capture cut down to its informational
lines, then with its plain ``printf`` lines, then with its application warnings and errors, each
timed against the loop on that same file (a kind that costs more than the loop pulls the ratio down
by its share of the lines); then explain's time split into decoding, the trigger screen and the
rest (reading the lines the screen hands over), with what the rest may take for the target.

Timings are the best of ``--repeat`` runs in this process, the loop and both explains taking turns
(the machine is shared: the best run is the one least disturbed, and turns spread a load that comes
and goes over all three alike), in wall-clock time and in CPU time (``time.process_time``, which other
processes on a busy machine disturb less); ratios are given for both. All families are loaded, as
``bootdiag explain`` loads them.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import child_env, use_checkout  # noqa: E402
from generate import APP_START, BOOTLOADER_OK, ROM_BOOT, write_capture  # noqa: E402

use_checkout()

# The ESP-IDF envelope, "I (123) tag: ", after an optional colour code.
APP_NOISE_TARGET = 1.2  # explain's lines/s on app noise against the loop's
ENVELOPE = re.compile(r"(?:\x1b\[[0-9;]*m)?([EWIDV]) \((\d+|\d\d:\d\d:\d\d\.\d+)\) ([A-Za-z0-9_.\-/]+): ")


class Rate(NamedTuple):
    """Lines per second, in wall-clock and in CPU time (each the best of the runs)."""

    wall: float
    cpu: float

    def __truediv__(self, other: "Rate") -> "Rate":
        return Rate(self.wall / other.wall, self.cpu / other.cpu)


def best_rates(runs: list[tuple[int, Callable[[], object]]], repeat: int) -> list[Rate]:
    """The best rate of each ``(lines, run)``, the runs taking turns: a shared machine's load moves
    between runs, and turns spread it over all of them alike, so that their ratio stays fair."""
    wall = [float("inf")] * len(runs)
    cpu = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, (_lines, run) in enumerate(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall[i], cpu[i] = min(wall[i], time.perf_counter() - start), min(cpu[i], time.process_time() - start_cpu)
    return [Rate(lines / w, lines / max(c, 1e-9)) for (lines, _run), w, c in zip(runs, wall, cpu)]


def baseline_run(path: Path) -> tuple[int, Callable[[], object], int]:
    """(lines, the loop, lines its regex matched)."""
    data = path.read_bytes()
    lines = data.decode("utf-8", "replace").splitlines()
    matched = sum(1 for line in lines if ENVELOPE.match(line))

    def run() -> None:
        for line in data.decode("utf-8", "replace").splitlines():
            ENVELOPE.match(line)

    return len(lines), run, matched


def explain_run(path: Path):
    """(lines, the run, the report)."""
    from bootdiag.core.pipeline import explain

    explain("")  # rules, grammars and the trigger screen are built once per process
    report = explain(path)
    return report.stats["lines"], lambda: explain(path), report


# The kinds of line in the healthy capture (bench/generate.py): "I" informational (green), "W" an
# application's warnings and errors (yellow, red), "P" plain printf lines (no envelope).
def _kind(line: bytes) -> str:
    if line.startswith(b"\x1b[0;32m"):
        return "I"
    return "W" if line.startswith(b"\x1b[") else "P"


def by_kind(healthy: Path, tmp: Path, repeat: int) -> None:
    """The app-noise capture cut down to some kinds of line: each explain against the loop on the
    same file, and what one line of the added kind costs beyond an informational one."""
    raw = healthy.read_bytes().split(b"\r\n")
    boot = len(ROM_BOOT) + len(BOOTLOADER_OK) + len(APP_START)
    head = raw[:boot]  # the boot before the application's output, kept whole
    body = [line for line in raw[boot:] if line]
    print("app noise by kind of line (the capture above, cut down to some kinds)")
    seconds: dict[str, tuple[int, float]] = {}
    for kinds, label in (("I", "informational only"), ("IP", "+ printf lines"), ("IW", "+ warnings, errors")):
        path = tmp / f"kinds-{kinds}.log"
        path.write_bytes(b"\r\n".join(head + [line for line in body if _kind(line) in kinds]) + b"\r\n")
        base_lines, base_run, _matched = baseline_run(path)
        lines, run, _report = explain_run(path)
        base, rate = best_rates([(base_lines, base_run), (lines, run)], repeat)
        seconds[kinds] = (lines, lines / rate.cpu)
        print(f"  {label:<19} : {lines:9,} lines, ratio {(rate / base).cpu:5.2f} CPU"
              f"   ({1e9 / rate.cpu:6.0f} ns/line; loop {1e9 / base.cpu:4.0f})")
        path.unlink()
    lines_i, time_i = seconds["I"]
    for kinds, label in (("IP", "a printf line"), ("IW", "a warning/error")):
        lines, time = seconds[kinds]
        added = lines - lines_i
        if added > 0:
            print(f"  {label:<19} : {(time - time_i) / added * 1e6:6.2f} us each ({added:,} lines)")


def where_time_goes(healthy: Path, base: Rate, rate: Rate, repeat: int) -> None:
    """Split explain's CPU time on the app-noise capture into decoding, the trigger screen (the
    regex over whole blocks, and its Python loop over the lines it hands over) and the rest (reading
    each line handed over), and say what the rest may take for the target ratio."""
    from bootdiag.core.parse import LineParser

    screen = LineParser().screen
    data = healthy.read_bytes()
    text = data.decode("utf-8", "replace")
    lines = text.count("\n") + 1
    handed = sum(1 for _ in screen.line_spans(text))
    decode, screened = best_rates([(lines, lambda: data.decode("utf-8", "replace")),
                                   (lines, lambda: sum(1 for _ in screen.line_spans(text)))], repeat)
    decode_s, screen_s = lines / decode.cpu, lines / screened.cpu
    explain_s, budget_s = lines / rate.cpu, lines / (APP_NOISE_TARGET * base.cpu)
    rest = explain_s - decode_s - screen_s
    left = budget_s - decode_s - screen_s
    print("where app noise time goes (CPU, the capture above)")
    print(f"  decoding            : {decode_s / lines * 1e9:6.0f} ns/line")
    print(f"  trigger screen      : {screen_s / lines * 1e9:6.0f} ns/line   (hands over {handed:,} lines, {handed / lines:.1%})")
    print(f"  the rest of explain : {rest / lines * 1e9:6.0f} ns/line   ({rest / max(handed, 1) * 1e6:.2f} us per line handed over)")
    print(f"  for ratio {APP_NOISE_TARGET:<9} : {left / lines * 1e9:6.0f} ns/line   ({left / max(handed, 1) * 1e6:.2f} us per line handed over)")


def figures(rate: Rate) -> str:
    return f"{rate.wall:12,.0f} lines/s wall {rate.cpu:12,.0f} lines/s CPU"


def ratio_line(ratio: Rate, target: float) -> str:
    met = "MET" if min(ratio.wall, ratio.cpu) >= target else "NOT MET"
    return f"  ratio               : {ratio.wall:8.2f} wall {ratio.cpu:8.2f} CPU   target >= {target}   {met}"


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
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True, env=child_env())
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the lines")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--by-kind", action="store_true", help="also time the app noise cut down to each kind of line")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    healthy_n, loop_n, big_n = 1_000_000 // scale, 300_000 // scale, 2_000_000 // scale

    with tempfile.TemporaryDirectory(prefix="bootdiag-bench-") as tmp:
        tmp_path = Path(tmp)
        healthy = write_capture(tmp_path / "healthy.log", "healthy", healthy_n)
        loop = write_capture(tmp_path / "bootloop.log", "bootloop", loop_n)

        base_lines, base_run, matched = baseline_run(healthy)
        healthy_lines, healthy_run, healthy_report = explain_run(healthy)
        loop_lines, loop_run, report = explain_run(loop)
        base, rate, loop_rate = best_rates(
            [(base_lines, base_run), (healthy_lines, healthy_run), (loop_lines, loop_run)], args.repeat)
        print(f"healthy app noise, {healthy_n:,} lines ({healthy.stat().st_size / 1e6:.0f} MB, colour, CRLF)")
        print(f"  envelope-regex loop : {figures(base)} ({matched:,} lines matched)")
        print(f"  bootdiag explain    : {figures(rate)}, status {healthy_report.status}")
        print(ratio_line(rate / base, APP_NOISE_TARGET))
        if args.by_kind:
            by_kind(healthy, tmp_path, args.repeat)
            where_time_goes(healthy, base, rate, args.repeat)

        rate = loop_rate
        top = report.findings[0] if report.findings else None
        print(f"boot loop, {loop_n:,} lines, every line from the ROM or bootloader")
        print(f"  bootdiag explain    : {figures(rate)}")
        print(ratio_line(rate / base, 0.3) + "   (to the envelope-regex loop above)")
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
        ok = large["max_rss_mb"] <= 30 and growth <= 1.10
        print(f"  growth 1x -> 2x     : {growth:8.2f}x   target <= 30 MB and flat   {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
