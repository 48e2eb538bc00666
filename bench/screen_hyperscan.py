"""The trigger screen (``re``) against a Hyperscan database of the same triggers; prints the figures.

    pip install hyperscan && python bench/screen_hyperscan.py [--lines 200000] [--repeat 5]

Both screens look at the same large blocks of both bench captures (app noise and a boot loop, from
bench/generate.py), cut as the line splitter cuts a capture read in blocks of ``--block`` bytes, and
must hand over the same lines. Figures are CPU time per line, the best of ``--repeat`` runs:

- ``re screen``: :meth:`TriggerScreen.line_spans`, as bootdiag runs it;
- ``hyperscan``: one Hyperscan database of every trigger alternative (those Hyperscan cannot
  compile exactly, with lookarounds, compiled as prefilters and confirmed with ``re`` on the line
  they hit) scanned over the block's UTF-8 bytes; a line is handed over once, at its first match,
  unless it is a noise line (the screen's ``noise`` regex at its start, as the ``re`` screen
  passes over noise lines). ``+ encode`` adds encoding the block, which bootdiag holds as text.

Then ``explain`` runs on both captures with the ``re`` screen and with the Hyperscan screen in its
place (scanning whole lines a window at a time, since explain stops taking lines where it counts a
repeated boot session and starts again after it); the reports must be the same.

Hyperscan (Intel's multi-pattern matcher) reports every match through a Python callback, so its
cost grows with the matches: in a boot loop nearly every line matches several triggers.

Verdict, measured on 2 quiet cores (CPU time, best of 3, 64 KiB blocks, 200k lines, Hyperscan 0.9.1):
as a screen Hyperscan is about 1.1x the ``re`` screen on app noise and 0.8x on a boot loop, with the
same lines. Inside ``explain`` it makes app noise about 1.25x faster and the boot loop about 0.8x
as fast (a boot loop's repeated sessions are counted without being screened, and what is screened
matches on nearly every line, each match a call into Python). Building the database costs about
0.3 s of CPU at start. Version 0.9.1 has wheels for Linux (x86_64 and aarch64) and macOS (x86_64
and arm64), so it would install everywhere bootdiag runs; it still does not win on both captures,
so bootdiag does not use it: the ``re`` screen stays the only one.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import use_checkout  # noqa: E402
from generate import capture_bytes  # noqa: E402

use_checkout()

from bootdiag.core.lines import LineSplitter, TextBlock  # noqa: E402
from bootdiag.core.sources import CHUNK_SIZE  # noqa: E402
from bootdiag.core.parse import LineParser  # noqa: E402
from bootdiag.core.parse.screen import TriggerScreen  # noqa: E402


def _utf8_escapes(source: str) -> str:
    """``source`` with its ``\\uXXXX`` escapes written as the character's UTF-8 bytes (Hyperscan
    reads bytes, and knows no ``\\u``)."""
    return re.sub(r"(?<!\\)\\u([0-9a-fA-F]{4})",
                  lambda m: "(?:" + "".join(f"\\x{b:02x}" for b in chr(int(m[1], 16)).encode()) + ")", source)


class HyperscanScreen:
    """The lines of a block some trigger of ``screen`` matches, found with one Hyperscan database."""

    def __init__(self, screen: TriggerScreen) -> None:
        import hyperscan

        self.alternatives = screen.alternatives
        self.noise = re.compile(screen.noise) if screen.noise else None
        exact, flags = [], []
        for alt in map(_utf8_escapes, self.alternatives):
            try:
                probe = hyperscan.Database()
                probe.compile(expressions=[alt.encode()], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_MULTILINE])
                flags.append(hyperscan.HS_FLAG_MULTILINE)
                exact.append(True)
            except hyperscan.error:
                flags.append(hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_PREFILTER)
                exact.append(False)
        self.exact = exact
        self.confirm = [None if ok else re.compile(alt, screen.flags) for ok, alt in zip(exact, self.alternatives)]
        self.db = hyperscan.Database()
        self.db.compile(
            expressions=[_utf8_escapes(alt).encode() for alt in self.alternatives], ids=list(range(len(self.alternatives))),
            elements=len(self.alternatives), flags=flags,
        )

    def count_matches(self, blocks: list[bytes]) -> int:
        """How many matches the database reports (each one a call into Python)."""
        count = 0

        def on_match(*_args: object) -> None:
            nonlocal count
            count += 1

        for data in blocks:
            self.db.scan(data, match_event_handler=on_match)
        return count

    def line_spans(self, data: bytes, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the lines handed over; ``data`` is ``text`` encoded (ASCII captures:
        the same offsets)."""
        spans: list[tuple[int, int]] = []
        last_end = -1
        rfind, find = data.rfind, data.find
        confirm = self.confirm
        noise = self.noise
        size = len(data)

        def on_match(pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
            nonlocal last_end
            if end <= last_end:
                return None  # the line was handed over already
            start = rfind(b"\n", 0, end - 1) + 1
            line_end = find(b"\n", end - 1)
            if line_end < 0:
                line_end = size
            check = confirm[pattern]
            if check is not None and check.search(text, start, line_end) is None:
                return None
            last_end = line_end
            # The re screen passes over noise lines, but for a block's first and last line.
            if noise is not None and start and line_end != size and noise.match(text, start):
                return None
            spans.append((start, line_end))
            return None

        self.db.scan(data, match_event_handler=on_match)
        return spans


def blocks_of(data: bytes, block: int) -> list[TextBlock]:
    splitter = LineSplitter()
    found = [b for i in range(0, len(data), block) if (b := splitter.feed(data[i : i + block])) is not None]
    last = splitter.flush()
    return found + ([last] if last is not None else [])


def best_cpu(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def consume(spans: Iterator[tuple[int, int]]) -> int:
    return sum(1 for _ in spans)


def explain_with(screen_spans: Callable[..., object] | None, path: Path, repeat: int) -> tuple[float, dict]:
    """Best CPU time of ``explain`` on ``path`` with the trigger screen's ``line_spans`` replaced
    by ``screen_spans`` (``None``: the ``re`` screen), and its report."""
    from bootdiag.core.pipeline import explain

    original = TriggerScreen.line_spans
    if screen_spans is not None:
        TriggerScreen.line_spans = screen_spans  # type: ignore[method-assign]
    try:
        explain("")
        return best_cpu(lambda: explain(path), repeat), explain(path).to_json_dict()
    finally:
        TriggerScreen.line_spans = original  # type: ignore[method-assign]


def hyperscan_spans(fast: HyperscanScreen, window: int = 8192) -> Callable[..., Iterator[tuple[int, int]]]:
    """``TriggerScreen.line_spans`` through ``fast``, scanning whole lines ``window`` characters at a
    time (explain stops reading the spans where a repeated session is counted, and starts again
    after it): ASCII blocks only (Hyperscan's offsets are the UTF-8 bytes'), others through the
    ``re`` screen."""
    original = TriggerScreen.line_spans

    def line_spans(screen: TriggerScreen, text: str, pos: int = 0, follows_line: bool = False) -> Iterator[tuple[int, int]]:
        if not text.isascii():
            yield from original(screen, text, pos, follows_line)
            return
        size = len(text)
        while pos < size:
            end = text.find("\n", pos + window)
            end = size if end < 0 else end
            part = text[pos:end]
            for start, stop in fast.line_spans(part.encode(), part):
                yield start + pos, stop + pos
            pos = end + 1

    return line_spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--block", type=int, default=CHUNK_SIZE, help="bytes per block (default: as explain reads)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        sys.exit("bench/screen_hyperscan.py needs the hyperscan package: pip install hyperscan")

    screen = LineParser().screen
    started = time.process_time()
    fast = HyperscanScreen(screen)
    print(f"Hyperscan database of {len(fast.alternatives)} trigger alternatives "
          f"({fast.exact.count(False)} as prefilters) built in {time.process_time() - started:.2f} s CPU")
    wins = []
    for shape in ("healthy", "bootloop"):
        blocks = blocks_of(capture_bytes(shape, args.lines), args.block)
        texts = [b.text for b in blocks]
        encoded = [t.encode() for t in texts]
        lines = sum(b.count for b in blocks)
        same = all(list(screen.line_spans(t)) == fast.line_spans(d, t) for t, d in zip(texts, encoded))
        handed = sum(consume(screen.line_spans(t)) for t in texts)
        with_re = best_cpu(lambda: [consume(screen.line_spans(t)) for t in texts], args.repeat)
        with_hs = best_cpu(lambda: [fast.line_spans(d, t) for t, d in zip(texts, encoded)], args.repeat)
        encode = best_cpu(lambda: [t.encode() for t in texts], args.repeat)
        matches = fast.count_matches(encoded)
        name = "app noise" if shape == "healthy" else "boot loop"
        print(f"{name}: {lines:,} lines in {len(blocks)} blocks, {handed:,} handed over, same lines: {'yes' if same else 'NO'}, "
              f"{matches:,} Hyperscan matches")
        print(f"  re screen           : {with_re / lines * 1e9:7.0f} ns/line")
        print(f"  hyperscan           : {with_hs / lines * 1e9:7.0f} ns/line   ({with_re / with_hs:.2f}x the re screen)")
        print(f"  hyperscan + encode  : {(with_hs + encode) / lines * 1e9:7.0f} ns/line   "
              f"({with_re / (with_hs + encode):.2f}x the re screen)")
        wins.append(same and with_hs + encode < with_re)
    print(f"Hyperscan wins on both captures, as a screen: {'yes' if all(wins) else 'no'}")
    with tempfile.TemporaryDirectory(prefix="bootdiag-hyperscan-") as tmp:
        for shape in ("healthy", "bootloop"):
            path = Path(tmp) / f"{shape}.log"
            path.write_bytes(capture_bytes(shape, args.lines))
            with_re, report = explain_with(None, path, args.repeat)
            with_hs, same_report = explain_with(hyperscan_spans(fast), path, args.repeat)
            name = "app noise" if shape == "healthy" else "boot loop"
            print(f"explain, {name}: re screen {with_re / args.lines * 1e9:6.0f} ns/line, hyperscan screen "
                  f"{with_hs / args.lines * 1e9:6.0f} ns/line ({with_re / with_hs:.2f}x), "
                  f"same report: {'yes' if report == same_report else 'NO'}")
    print("bootdiag keeps the re screen: Hyperscan must win inside explain on both captures (see the docstring)")


if __name__ == "__main__":
    main()
