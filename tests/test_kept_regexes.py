"""The regexes a command compiles come back from their programs in the next run, the same."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bootdiag.core.kept_regexes import KeptPatterns
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


def test_a_second_run_compiles_no_regex_and_reports_the_same(tmp_path: Path) -> None:
    first, compiled_first = _run(tmp_path, "explain", str(CAPTURE), "--format", "json")
    assert compiled_first > 50  # the modules' regexes: compiled, then stored at exit
    assert list((tmp_path / "bootdiag").glob("regexes-*.pickle"))
    second, compiled_second = _run(tmp_path, "explain", str(CAPTURE), "--format", "json")
    assert compiled_second <= 5  # only what the standard library compiles before the table is in place
    assert second == first and '"status": "diagnosed"' in first


def test_a_pattern_is_made_from_its_stored_program_and_one_not_stored_is_compiled() -> None:
    source = r"(?P<tag>[A-Za-z_]+): sig block (\d+)"
    key = (str, source, re.MULTILINE)
    table = KeptPatterns({key: program_of(re.compile(source, re.MULTILINE))})
    made = table[key]
    assert made == re.compile(source, re.MULTILINE) and made.match("boot: sig block 3").group("tag", 2) == ("boot", "3")
    assert table.new_programs() == {}  # made from a program: nothing new to store
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
