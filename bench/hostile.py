"""Time and memory on inputs made to be slow: each case at a quarter of the size and at full size.

    python bench/hostile.py           # 1 MB inputs (a minute or less)
    python bench/hostile.py --size 4  # 4 MB

Cases (each was quadratic or worse once):

1. ``verify`` of a file of repeated PEM ``BEGIN`` lines (no END);
2. ``report --redact`` of a capture that is one long line of PEM ``BEGIN`` markers;
3. ``report --redact`` of a capture with a distinct serial number on every line;
4. ``bootdiag.explain()`` of a capture given as one string (and as bytes).

Each row: the seconds at full size and their ratio to a quarter of it (target: linear, a ratio
near 4 and under 8; a quadratic case shows 16), and the peak memory Python allocates during the
run beyond the input itself, at full size and its ratio at four times the size (target: flat, a
ratio under 1.5; ``verify`` and ``explain()`` of an object in memory hold their input by design,
so for them the target is less than 4x the input beside it). Timings are the best of five runs
(the machine may be shared).
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import use_checkout  # noqa: E402

use_checkout()

from generate import capture_bytes  # noqa: E402

MB = 1_000_000


def pem_begin_lines(size: int) -> bytes:
    line = b"-----BEGIN PUBLIC KEY-----\n"
    return line * (size // len(line))


def begin_markers_line(size: int) -> bytes:
    marker = b"-----BEGIN RSA PRIVATE KEY-----"
    return marker * (size // len(marker)) + b"\n"


def serial_numbers(size: int) -> bytes:
    lines = []
    total, n = 0, 0
    while total < size:
        line = f"I ({n}) app: Serial number: SN{n:08d}X\n".encode()
        lines.append(line)
        total += len(line)
        n += 1
    return b"".join(lines)


def healthy_log(size: int) -> bytes:
    data = capture_bytes("healthy", size // 70 + 1)
    return data[: data.rfind(b"\n", 0, size) + 1]


def run_verify(path: Path) -> None:
    from bootdiag.verify import UnusableInput, verify_file

    try:
        verify_file(path)
    except UnusableInput:
        pass


def run_report(path: Path) -> None:
    from bootdiag.app.bundle import write_bundle
    from bootdiag.app.run import Job

    out = path.with_suffix(".zip")
    out.unlink(missing_ok=True)
    write_bundle(Job(capture=path, redact=True), out)


def run_explain_text(path: Path) -> None:
    import bootdiag

    bootdiag.explain(path.read_text(encoding="utf-8"))


def run_explain_bytes(path: Path) -> None:
    import bootdiag

    bootdiag.explain(path.read_bytes())


CASES: list[tuple[str, Callable[[int], bytes], Callable[[Path], None], bool]] = [
    # name, input maker, run, whether the run holds the whole input by design
    ("verify: repeated PEM BEGIN lines", pem_begin_lines, run_verify, True),
    ("report --redact: one line of BEGIN markers", begin_markers_line, run_report, False),  # a line is held up to 1 MiB
    ("report --redact: a serial number per line", serial_numbers, run_report, False),
    ("explain(str): a healthy capture", healthy_log, run_explain_text, True),
    ("explain(bytes): a healthy capture", healthy_log, run_explain_bytes, True),
]


def measure(run: Callable[[Path], None], path: Path, repeat: int) -> tuple[float, int]:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run(path)
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    run(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=1.0, help="full size in MB (default 1)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    full = int(args.size * MB)
    import bootdiag

    bootdiag.explain("")  # rules, grammars and screens are built before anything is timed
    print(f"{'case':<46} {'time':>8} {'x4 size':>8}  {'memory':>9} {'x4 size':>8}  verdict")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, run, holds_input in CASES:
            figures = []
            for size in (full // 4, full, full * 4):
                path = Path(tmp) / "input.log"
                path.write_bytes(make(size))
                seconds, peak = measure(run, path, args.repeat if size <= full else 1)
                figures.append((seconds, max(peak - (path.stat().st_size if holds_input else 0), 0)))
            (t1, _), (t4, m4), (_, m16) = figures
            time_ratio = t4 / t1 if t1 else 0.0
            memory_ratio = m16 / m4 if m4 else 0.0
            linear = time_ratio < 8
            flat = m16 < 4 * 4 * full if holds_input else memory_ratio < 1.5
            verdict = "ok" if linear and flat else "FAILS: " + ", ".join(
                w for w, bad in (("not linear", not linear), ("memory grows", not flat)) if bad)
            failures += verdict != "ok"
            print(f"{name:<46} {t4:7.3f}s {time_ratio:7.1f}x  {m4 / MB:7.2f}MB {memory_ratio:7.1f}x  {verdict}")
    print("targets: time x4 size < 8 (linear); memory x4 size < 1.5 (flat), or less than 4x an input held by design")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
