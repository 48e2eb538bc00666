"""The build cache serves what an earlier run built from the same sources, and never fails a run."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core import cache as build_cache
from bootdiag.core.precompiled import from_program, program_of


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "bootdiag"


def test_a_second_run_gets_the_first_runs_value_until_a_source_changes(cache_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "rules.toml"
    source.write_text("a")
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"n": len(builds)}

    assert build_cache.cached("thing", [source], build) == {"n": 1}
    assert build_cache.cached("thing", [source], build) == {"n": 1}
    assert len(builds) == 1
    source.write_text("b")
    assert build_cache.cached("thing", [source], build) == {"n": 2}


def test_a_damaged_entry_is_built_again(cache_home: Path) -> None:
    assert build_cache.cached("thing", ["x"], lambda: 1) == 1
    (entry,) = cache_home.glob("thing-*.pickle")
    entry.write_bytes(b"\x80\x05 not a pickle")
    assert build_cache.cached("thing", ["x"], lambda: 2) == 2
    assert build_cache.cached("thing", ["x"], lambda: 3) == 2  # and stored again, whole


def test_an_unusable_cache_folder_only_means_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert build_cache.cached("thing", ["x"], lambda: 7) == 7


def test_the_shipped_rules_and_screen_come_back_the_same_from_the_cache(cache_home: Path) -> None:
    import subprocess
    import sys

    code = (
        "import hashlib; from bootdiag.core.pipeline import default_rules; from bootdiag.core.parse import LineParser;"
        "r = default_rules(); s = LineParser().screen;"
        "print(hashlib.sha256(repr([x.model_dump() for x in r]).encode()).hexdigest(),"
        " hashlib.sha256(s.screen.pattern.encode()).hexdigest(), sorted(s._confirm_for.items()))"
    )
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(cache_home.parent)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert sorted(p.name.split("-")[0] for p in cache_home.glob("*.pickle")) == ["completion", "family", "file", "line", "messages", "quiet", "rules", "screen"]
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert first == second


def test_a_compiled_regex_comes_back_without_being_compiled_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle
    import re

    pattern = re.compile(r"(?P<tag>[A-Za-z_]+): (?i:sig block) (\d+)|^rst:0x\w+", re.MULTILINE)
    stored = build_cache.dumps({"screen": pattern})

    def compile_refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(re, "compile", compile_refused)
    again = pickle.loads(stored)["screen"]
    monkeypatch.undo()
    assert again == pattern  # same source, flags and program
    assert again.search("x\nboot: Sig block 0 invalid").groupdict() == {"tag": "boot"}


def test_a_regex_stored_by_another_engine_is_compiled_from_its_source() -> None:
    import re

    pattern = re.compile(r"a(b+)c", re.IGNORECASE)
    magic, *form = program_of(pattern)  # type: ignore[misc]
    assert from_program(magic - 1, *form) == pattern


def test_a_precompiled_regex_is_made_from_its_program_when_first_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle
    import re

    from bootdiag.core.precompiled import Precompiled

    stored = pickle.dumps([Precompiled(r"Sig block (\d+) invalid")])
    monkeypatch.setattr(re, "compile", lambda *args: pytest.fail("compiled again"))
    (again,) = pickle.loads(stored)
    assert again.pattern.match("Sig block 0 invalid").group(1) == "0"


RULE = '''
[[rule]]
id = "site.chip_mismatch"
title = "{title}"
platform = "esp-idf"
when.all = [ {{ event = "ChipMismatch", as = "m" }} ]
explain = "Line {{m.line}}."
fix = ["Rebuild for this chip."]
'''


def test_a_rules_folder_is_validated_once_for_its_content(cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bootdiag.core import pipeline

    folder = tmp_path / "site-rules"
    folder.mkdir()
    (folder / "site.toml").write_text(RULE.format(title="First"))
    loads: list[int] = []
    real_load = pipeline.load_rules
    monkeypatch.setattr(pipeline, "load_rules", lambda extra=(): loads.append(1) or real_load(extra))

    first = pipeline.default_rules([folder])
    assert pipeline.default_rules([folder]) == first and len(loads) == 1
    assert [r.title for r in first if r.id == "site.chip_mismatch"] == ["First"]
    (folder / "site.toml").write_text(RULE.format(title="Second"))
    assert [r.title for r in pipeline.default_rules([folder]) if r.id == "site.chip_mismatch"] == ["Second"]
    assert len(loads) == 2


def test_a_rules_folder_with_a_mistake_is_refused_every_time(cache_home: Path, tmp_path: Path) -> None:
    from bootdiag.core.errors import RuleError
    from bootdiag.core.pipeline import default_rules

    (tmp_path / "bad.toml").write_text(RULE.format(title="x").replace("ChipMismatch", "NoSuchEvent"))
    for _ in range(2):
        with pytest.raises(RuleError, match="NoSuchEvent"):
            default_rules([tmp_path])


def test_a_grammar_loaded_again_compiles_no_lexer_regex(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from bootdiag.core.parse import grammar

    lines = ["rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", "load:0x3fff0030,len:6612", "entry 0x40080624"]
    grammar.load_grammar.cache_clear()
    grammar.start_screen.cache_clear()
    first = [grammar.parse_or_none("esp_rom", "start", line) for line in lines]
    grammar.load_grammar.cache_clear()
    grammar.start_screen.cache_clear()
    re.purge()  # or re's own cache answers
    compiled: list[str] = []
    real_compile = re._compiler.compile
    monkeypatch.setattr(re._compiler, "compile", lambda source, flags=0: compiled.append(source) or real_compile(source, flags))
    again = [grammar.parse_or_none("esp_rom", "start", line) for line in lines]
    monkeypatch.undo()
    grammar.load_grammar.cache_clear()
    grammar.start_screen.cache_clear()
    assert again == first and None not in first
    assert not compiled, "lexer regexes compiled again"


def test_a_program_table_gives_the_patterns_its_sources_compile_to() -> None:
    import pickle
    import re

    from bootdiag.core.messages import catalogue
    from bootdiag.core.precompiled import ProgramTable

    sources = [r"Sig block (\d+) invalid", r"(?P<named>x)y", r"(?i)brownout", "plain"]
    table = pickle.loads(pickle.dumps(ProgramTable(sources)))
    assert [table.pattern(i) for i in range(len(sources))] == [re.compile(s) for s in sources]
    known = catalogue().entries[::25]
    assert [catalogue().programs.pattern(k.number) for k in known] == [re.compile(k.source) for k in known]


def test_a_program_table_comes_back_from_the_cache_with_its_programs_left_in_the_file(cache_home: Path) -> None:
    import re

    from bootdiag.core.precompiled import ProgramTable

    sources = [r"Sig block (\d+) invalid", r"(?i)brownout", "plain"]
    build_cache.cached("table", ["x"], lambda: ProgramTable(sources))
    again = build_cache.cached("table", ["x"], lambda: None)
    assert isinstance(again.code, memoryview)  # a view of the mapped entry, not a copy
    assert [again.pattern(i) for i in range(len(sources))] == [re.compile(s) for s in sources]
    (entry,) = cache_home.glob("table-*.pickle")
    entry.write_bytes(entry.read_bytes()[:-1])  # cut short: built again
    assert build_cache.cached("table", ["x"], lambda: "rebuilt") == "rebuilt"


def test_a_command_sets_what_it_loads_aside_from_the_garbage_collector_and_a_library_caller_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import pickle

    data = pickle.dumps({"rules": [{"when": [i]} for i in range(1000)]})
    frozen = gc.get_freeze_count()
    assert build_cache.unpickle(data)["rules"][999] == {"when": [999]}
    assert gc.get_freeze_count() == frozen and gc.isenabled()  # a library caller's objects stay the collector's
    monkeypatch.setattr(build_cache, "KEPT_TO_THE_END", True)
    try:
        loaded = build_cache.unpickle(data)
        assert loaded["rules"][0] == {"when": [0]}
        assert gc.get_freeze_count() > frozen + 1000 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_folder_keeps_the_newest_entries_within_its_size_limit(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(build_cache, "SIZE_LIMIT", 3000)
    payload = b"x" * 900
    for n in range(6):
        assert build_cache.cached(f"thing{n}", ["x"], lambda: payload) == payload
        (entry,) = cache_home.glob(f"thing{n}-*.pickle")
        os.utime(entry, ns=(n * 10**9, n * 10**9))  # written in this order, a second apart
    left = sorted(p.name.split("-")[0] for p in cache_home.glob("*.pickle"))
    assert left == ["thing3", "thing4", "thing5"]  # the oldest went first, the newest stayed
    assert sum(p.stat().st_size for p in cache_home.glob("*.pickle")) <= 3000
    # an entry larger than the limit alone is still kept: it is the one just written
    big = b"y" * 5000
    assert build_cache.cached("big", ["x"], lambda: big) == big
    assert [p.name.split("-")[0] for p in cache_home.glob("*.pickle")] == ["big"]
    assert build_cache.cached("big", ["x"], lambda: b"rebuilt") == big


def test_pruning_a_folder_it_cannot_read_does_nothing(tmp_path: Path) -> None:
    build_cache.prune(tmp_path / "missing")
    kept = tmp_path / "a.pickle"
    kept.write_bytes(b"1" * 10)
    (tmp_path / ".a.pickle-half-written").write_bytes(b"2" * 10)
    build_cache.prune(tmp_path)
    assert kept.exists() and (tmp_path / ".a.pickle-half-written").exists()
