"""Facts by session are kept in runs, and say what keeping each session's facts apart says."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.pipeline import Analyzer
from bootdiag.core.session_facts import SessionFacts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import capture_bytes  # noqa: E402


def nearest_first(by_session: dict[int, dict[str, str]], session: int | None) -> dict[str, str]:
    """Each session's facts apart, merged nearest first: what the runs must give."""
    order = sorted(by_session)
    if session is not None:
        order.sort(key=lambda s: (s > session, abs(s - session)))
    merged: dict[str, str] = {}
    for s in order:
        for key, value in by_session[s].items():
            merged.setdefault(key, value)
    return merged


# Sessions in order, each with a few events' facts drawn from a small set, so that runs form.
_EVENT_FACTS = st.dictionaries(st.sampled_from(["chip", "idf", "flash_size"]), st.sampled_from(["a", "b"]), max_size=2)
_SESSIONS = st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.lists(_EVENT_FACTS, max_size=3)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(_SESSIONS)
def test_runs_say_what_sessions_apart_say(steps: list[tuple[int, list[dict[str, str]]]]) -> None:
    facts, apart = SessionFacts(), {}
    session = 0
    for gap, events in steps:
        session += gap
        for said in events:
            facts.add(session, said)
            if said:
                known = apart.setdefault(session, {})
                for key, value in said.items():
                    known.setdefault(key, value)
    for asked in (None, *range(session + 2)):
        assert list(facts.of(asked).items()) == list(nearest_first(apart, asked).items()), asked


def runs_after(boots: int) -> int:
    analyzer = Analyzer("<loop>")
    analyzer.feed_bytes(capture_bytes("bootloop", 37 * boots))
    report = analyzer.finish()
    assert report.stats["sessions"] >= boots and report.context
    return len(analyzer.builder._facts._runs)


def test_a_boot_loop_keeps_as_many_runs_of_facts_however_long_it_runs() -> None:
    # Hundreds of boots that say the same chip and flash settings: memory does not grow with them.
    assert runs_after(300) == runs_after(30) <= 3
