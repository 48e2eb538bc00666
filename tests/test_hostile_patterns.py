"""Every regular expression that runs over input takes time linear in the line, on lines made to be slow.

The patterns: every family's trigger and noise regex and every compiled pattern in the modules that
read input (the platforms, the parser, the lines, the redaction table, level styles), and every
catalogue message the parser can try. The lines: runs of each pattern's own characters (what makes a
backtracking engine try again and again), at two lengths. A pattern is linear when the line four
times as long costs about four times as much; a quadratic one costs sixteen times.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import time
from re import _parser as sre_parse  # type: ignore[attr-defined]

import bootdiag
from bootdiag import platforms as registry
from bootdiag.core.lines import MAX_LINE_BYTES
from bootdiag.core.rules.patterns import _subjects
from linear_time import assert_linear, best_cpu_times

SHORT, LONG = 1024, 4096
FLOOR = 0.002  # seconds: below this at the long length, a pattern is fast whatever its growth
# Linear is x4 for x4 (x5 where a bounded repeat fills up), quadratic x16: the line between.
GROWTH = 10
PIECES = ("bootdiag.platforms", "bootdiag.core")


def _input_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.walk_packages(bootdiag.__path__, "bootdiag."):
        if not info.name.startswith(PIECES):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found[f"{info.name}.{name}"] = value
    for platform in registry.platforms():
        for family in platform.families():
            found[f"{platform.name}:{family.name}.trigger"] = re.compile(family.trigger)
            if getattr(family, "noise", None):
                found[f"{platform.name}:{family.name}.noise"] = re.compile(family.noise)
            if getattr(family, "noise_glued", None):
                found[f"{platform.name}:{family.name}.noise_glued"] = re.compile(family.noise_glued, re.MULTILINE)
        for i, row in enumerate(platform.redactions):
            found[f"{platform.name}:redaction[{i}]"] = row.pattern
        for i, style in enumerate(platform.levels):
            found[f"{platform.name}:level[{i}]"] = style.pattern
    from bootdiag.core.messages import catalogue
    from bootdiag.core.redactions import GENERIC

    for i, row in enumerate(GENERIC):
        found[f"redaction[{i}] {row.kind}"] = row.pattern
    for candidates in catalogue().index.values():  # the messages a line can be tried against
        for known in candidates:
            found[f"catalogue:{known.id}"] = known.pattern
    return found


def _best_time(pattern: re.Pattern[str], line: str, runs: int = 3) -> float:
    """The best of ``runs`` searches, in this thread's CPU time: on a busy machine the wall clock
    also counts the time other processes held the core, which made a linear pattern look steep."""
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        pattern.search(line)
        best = min(best, time.thread_time() - start)
    return best


def test_every_pattern_over_input_is_linear_on_adversarial_lines() -> None:
    patterns = _input_patterns()
    assert len(patterns) > 500  # the catalogue alone has hundreds: the collection works
    slow = []
    seen: set[tuple[str, int]] = set()
    for name, pattern in patterns.items():
        if (pattern.pattern, pattern.flags) in seen:
            continue  # the same message in several tool versions
        seen.add((pattern.pattern, pattern.flags))
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
        pairs = list(zip(_subjects(tree, SHORT), _subjects(tree, LONG)))
        if name.startswith("catalogue:"):
            # Thousands of formats built from the same few pieces: the blanks, quotes, brackets
            # and digits around their fields make them work hardest; runs of their letters rarely.
            pairs = [(s, l) for s, l in pairs if not s[0].isalpha()][:6] + pairs[-1:]
        for short, long in pairs:
            t_long = _best_time(pattern, long, 1)
            if t_long < FLOOR:
                continue
            growth = t_long / max(_best_time(pattern, short), 1e-6)
            if growth > GROWTH:  # measured again before it counts: the machine may be busy
                t_long = _best_time(pattern, long, 7)
                growth = t_long / max(_best_time(pattern, short, 7), 1e-6)
            if growth > GROWTH and t_long >= FLOOR:
                slow.append(f"{name}: {t_long * 1000:.0f} ms at {LONG} characters, x{growth:.0f} for x4 ({short[:12]!r}...)")
    assert not slow, "\n".join(slow)


def test_a_capture_of_adversarial_lines_is_read_in_linear_time() -> None:
    """The whole pipeline on the longest lines a capture holds, made of what triggers look for."""
    from bootdiag.core.pipeline import explain

    explain("")
    runs = ["0", " ", "E (", "0x", "flash read err, ", "I (1) boot: ", "[ERR] ", "-----BEGIN ", "\x1b[0m",
            "Image 0 ", "(.", "a:", "rst:0x1 (", "E (1) esp_image: ", "Secure boot ", "ets Jun  8 2016 "]

    def capture(length: int) -> bytes:
        return "".join((run * (length // len(run) + 1))[:length] + "\n" for run in runs).encode()

    small, large = best_cpu_times(explain, [capture(MAX_LINE_BYTES // 4), capture(MAX_LINE_BYTES)])
    assert_linear(small, large, 4)
