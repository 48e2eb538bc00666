"""``bootdiag scan`` over a folder of many captures: wall time, cores used, and the cause table.

    python bench/scan.py              # 1,000 captures, --jobs 2
    python bench/scan.py --count 200 --jobs 1

The folder mixes the corpus (every platform, every rule, healthy boots) with generated boot
loops and app noise, some of them gzipped, cycled up to ``--count`` files. "Cores used" is the
CPU time of the scan and its workers divided by its wall time: about 2 on a 2-core machine when
both are busy.
"""
from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import child_env  # noqa: E402
from generate import capture_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def fill(folder: Path, count: int) -> None:
    sources = [p.read_bytes() for p in sorted((ROOT / "corpus").glob("*/*.log"))]
    sources += [capture_bytes("bootloop", 2000, seed) for seed in range(3)]
    sources += [capture_bytes("healthy", 5000, seed) for seed in range(3)]
    for i in range(count):
        data = sources[i % len(sources)]
        sub = folder / f"line{i % 10}"
        sub.mkdir(exist_ok=True)
        if i % 7 == 0:
            (sub / f"board{i:04d}.log.gz").write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (sub / f"board{i:04d}.log").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bootdiag-scan-") as tmp:
        folder = Path(tmp)
        fill(folder, args.count)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bootdiag", "scan", str(folder), "--jobs", str(args.jobs), "--format", "table"],
            capture_output=True, text=True, env=child_env(),
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"captures            : {args.count:,} ({size / 1e6:.0f} MB, every 7th gzipped), --jobs {args.jobs}")
    print(f"wall time           : {wall:7.1f} s   ({args.count / wall:,.0f} captures/s)")
    print(f"cores used          : {cpu / wall:7.2f}   (CPU time {cpu:.1f} s / wall time; {os.cpu_count()} cores here)")
    print(f"exit status         : {proc.returncode}")
    print(proc.stdout.rstrip())
    if proc.stderr.strip():
        print(proc.stderr.rstrip()[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
