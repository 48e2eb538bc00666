"""A platform's families are made when a line first needs them, and read every line as families
made at start do."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.lines import iter_blocks
from bootdiag.core.parse import LineParser, default_families
from bootdiag.core.parse.deferred import DeferredFamily

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _events(parser: LineParser, path: Path) -> list[dict]:
    blocks = iter_blocks([path.read_bytes()])
    return [event.model_dump(mode="json") | {"kind": type(event).__name__} for event in parser.events(blocks)]


def _deferred_names(parser: LineParser) -> set[str]:
    return {f.trigger for f in parser._families if isinstance(f, DeferredFamily)}


def test_a_boot_loop_of_one_platform_leaves_the_others_unmade() -> None:
    parser = LineParser()
    deferred = _deferred_names(parser)
    assert deferred  # platforms whose families read no repeats wait for a line
    _events(parser, CORPUS / "esp-idf" / "chip-revision-too-new.log")
    assert _deferred_names(parser) == deferred


def test_a_line_of_a_deferred_platform_makes_its_families_in_their_places() -> None:
    parser = LineParser()
    order = [f.trigger for f in parser._families]
    deferred = _deferred_names(parser)
    events = _events(parser, CORPUS / "tegra" / "healthy-t234-agx-orin-pkc-fused-signed-flash.log")
    assert events and _deferred_names(parser) < deferred
    assert [f.trigger for f in parser._families] == order
    assert not any(isinstance(f, DeferredFamily) for f in parser.families)  # asked for: all made


@pytest.mark.parametrize("folder", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_deferred_families_read_the_corpus_as_families_made_at_start(folder: str) -> None:
    for log in sorted((CORPUS / folder).rglob("*.log")):
        assert _events(LineParser(), log) == _events(LineParser(families=default_families()), log), log.name


def test_a_state_taken_before_a_platform_was_made_puts_back_a_family_made_anew() -> None:
    parser = LineParser()
    assert parser.remembers
    before = parser.state(1)
    tegra_log = CORPUS / "tegra" / "healthy-t234-agx-orin-pkc-fused-signed-flash.log"
    slots = [i for i, f in enumerate(parser._families) if isinstance(f, DeferredFamily)]
    _events(parser, tegra_log)
    made_since = {i: parser._families[i] for i in slots if not isinstance(parser._families[i], DeferredFamily)}
    after = parser.state(100)
    assert made_since and after != before
    parser.restore(before, 100)
    assert all(parser._families[i] is not family for i, family in made_since.items())  # made anew
    assert parser.state(100) != after
    parser.restore(after, 100)
    assert parser.state(100) == after
    # and a parser that never read the platform reads the capture as the first did
    again = LineParser()
    again.restore(after, 100)
    assert again.state(100) == after
