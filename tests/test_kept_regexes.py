"""The regexes a command compiles come back from their programs in the next run, the same."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bootdiag.core.kept_regexes import KeptPatterns, checksum
from bootdiag.core.precompiled import program_of

CAPTURE = Path(__file__).resolve().parent.parent / "corpus" / "esp-idf" / "chip-revision-too-new.log"

# Runs the command line as its entry point does, counting what ``re`` compiles.
_COUNTED = """
import atexit, sys
from re import _compiler
compiled = []
compile = _compiler.compile
_compiler.compile = lambda *a: compiled.append(a[0]) or compile(*a)
atexit.register(lambda: print("compiled", len(compiled), file=sys.stderr))
sys.argv = ["bootdiag", *sys.argv[1:]]
from bootdiag.app.cli import main
main()
"""


def _run(cache_home: Path, *args: str) -> tuple[str, int]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run([sys.executable, "-c", _COUNTED, *args], capture_output=True, text=True, env=env)
    count = int(done.stderr.rsplit("compiled ", 1)[1])
    return done.stdout, count


def test_a_regex_compiled_in_two_runs_is_not_compiled_in_the_third_and_reports_stay_the_same(tmp_path: Path) -> None:
    first, compiled_first = _run(tmp_path, "explain", str(CAPTURE), "--format", "json")
    assert compiled_first > 50  # the modules' regexes: compiled, their checksums kept at exit
    assert list((tmp_path / "bootdiag").glob("regexes-*.pickle"))
    second, compiled_second = _run(tmp_path, "explain", str(CAPTURE), "--format", "json")
    assert compiled_second > 50  # compiled again: now their programs are kept
    third, compiled_third = _run(tmp_path, "explain", str(CAPTURE), "--format", "json")
    assert compiled_third <= 5  # only what the standard library compiles before the table is in place
    assert first == second == third and '"status": "diagnosed"' in first


def test_a_pattern_is_made_from_its_stored_program_and_one_not_stored_is_compiled() -> None:
    source = r"(?P<tag>[A-Za-z_]+): sig block (\d+)"
    key = (str, source, re.MULTILINE)
    table = KeptPatterns({key: program_of(re.compile(source, re.MULTILINE))})
    made = table[key]
    assert made == re.compile(source, re.MULTILINE) and made.match("boot: sig block 3").group("tag", 2) == ("boot", "3")
    assert not table.remember()  # made from a program: nothing new to keep
    other = (str, "x+", 0)
    assert other not in table
    try:
        table[other]
    except KeyError:
        pass
    else:
        raise AssertionError("a pattern never stored must be compiled by re")


def test_a_program_of_another_engine_is_compiled_from_its_source() -> None:
    source = r"rst:0x([0-9a-f]+)"
    magic, *rest = program_of(re.compile(source))  # type: ignore[misc]
    table = KeptPatterns({(str, source, 0): (magic + 1, *rest)})
    assert table[(str, source, 0)].match("rst:0x10").group(1) == "10"


def test_a_program_is_kept_the_second_time_its_pattern_is_compiled_and_only_if_small() -> None:
    small, large = (str, r"Sig block (\d+)", 0), (str, "|".join(f"word{i}" for i in range(5000)), 0)

    def compile_in_a_run(table: KeptPatterns) -> None:
        for key in (small, large):
            try:
                table[key]
            except KeyError:  # what re does on a miss
                dict.__setitem__(table, key, re.compile(key[1], key[2]))

    first = KeptPatterns({})
    compile_in_a_run(first)
    assert first.remember() and first.programs == {} and checksum(small) in first.seen
    second = KeptPatterns(first.programs, first.seen)
    compile_in_a_run(second)
    assert second.remember() and list(second.programs) == [small]  # the large one costs more to load than to compile
    third = KeptPatterns(second.programs, second.seen)
    assert third[small].match("Sig block 2").group(1) == "2"


def test_the_checksums_are_read_only_by_a_run_that_compiled_a_pattern() -> None:
    reads: list[int] = []

    def load_seen() -> dict[int, None]:
        reads.append(1)
        return {}

    key = (str, r"rst:0x([0-9a-f]+)", 0)
    table = KeptPatterns({key: program_of(re.compile(key[1]))}, load_seen=load_seen)
    assert table[key].match("rst:0x10") and not table.remember() and reads == []
    other = (str, r"boot:0x([0-9a-f]+)", 0)
    try:
        table[other]
    except KeyError:  # what re does on a miss
        dict.__setitem__(table, other, re.compile(other[1]))
    assert table.remember() and reads == [1] and checksum(other) in table.seen
