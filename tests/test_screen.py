"""The trigger screen finds exactly the lines some trigger matches, minus the families' noise lines."""
from __future__ import annotations

import re
from re import _parser

from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.parse import LineParser
from bootdiag.core.parse.screen import CHAR_SHARE, Literal, TriggerScreen, anchor_positions, case_variants, leading_chars

# Pieces of real lines: trigger literals, near-misses, colour codes, IDF envelopes of boot and app tags.
_PIECES = [
    "I (31) boot: ", "I (12345) wifi: ", "(POWERON_RESET)", "(12 ms)", "D (7) esp_image: ", "V (9) mqtt: ", "W (5) wifi: ", "E (6) app: ",
    "\x1b[0;32m", "\x1b[0;31m", "\x1b[0m", "\r", "Sig block 0 invalid", "Sig blocks", "rst:0x1 (POWERON)",
    "ets Jul 29 2019", "ets Jan  8 2013", "ets Mar 1", "csum err:0x9a!=0x89", "csum error", "esptool.py v4.7",
    "tools", "[INF] Starting bootloader", "[inf]", "I: Starting bootloader", "I: hello", "<err> mcuboot: x",
    "E> LOADER: Failed", "W>", "tegrarcm_v2", "Wrote 1024 bytes", "Wrote data", "flash read err, 1000",
    "Guru Meditation Error", "heartbeat 12", "abc", " ", "(", ")", ":", "0x",
]


def _screen_and_truth() -> tuple[TriggerScreen, re.Pattern[str], re.Pattern[str]]:
    screen = LineParser().screen
    assert screen.noise is not None
    return screen, re.compile("|".join(f"(?:{t})" for t in screen.triggers)), re.compile(screen.noise)


def _glued(screen: TriggerScreen, line: str) -> bool:
    assert screen.noise_glued is not None
    return re.compile(screen.noise_glued, re.MULTILINE).search(line) is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=5).map("".join), min_size=1, max_size=12))
def test_screen_reports_trigger_lines_and_passes_over_noise(lines: list[str]) -> None:
    screen, truth, noise = _screen_and_truth()
    text = "\n".join(lines)
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    reported = {starts.index(start) for start, _end in screen.line_spans(text)}
    for i, line in enumerate(lines):
        matches = truth.search(line) is not None
        is_noise = noise.match(line) is not None
        if i in reported:
            assert matches, f"line {i} reported without a trigger: {line!r}"
        # a noise line that may hold another line glued on is screened like any line
        is_noise = is_noise and not _glued(screen, line)
        if matches and not is_noise:
            assert i in reported, f"trigger line {i} missed: {line!r}"
        if is_noise and 0 < i < len(lines) - 1:
            assert i not in reported, f"noise line {i} screened: {line!r}"


def test_a_boot_line_between_app_lines_is_found() -> None:
    screen, _truth, _noise = _screen_and_truth()
    app = "\x1b[0;32mI (1234) wifi: connected\x1b[0m\r"
    text = "\n".join([app] * 50 + ["\x1b[0;32mI (31) boot: ESP-IDF v5.1 2nd stage bootloader\x1b[0m\r"] + [app] * 50)
    spans = list(screen.line_spans(text))
    assert [text[a:b] for a, b in spans] == ["\x1b[0;32mI (31) boot: ESP-IDF v5.1 2nd stage bootloader\x1b[0m\r"]


def test_app_lines_that_mention_a_tool_are_noise_but_errors_are_not() -> None:
    screen, _truth, _noise = _screen_and_truth()
    lines = ["start", "I (5) main: esptool.py was here", "E (6) main: esptool.py failed", "end"]
    text = "\n".join(lines)
    assert [text[a:b] for a, b in screen.line_spans(text)] == ["E (6) main: esptool.py failed"]


def test_an_app_line_with_another_log_line_glued_to_it_is_screened() -> None:
    screen, _truth, _noise = _screen_and_truth()
    glued = [
        "I (12) wifi: state: init -> auth E (13) esp_image: image at 0x10000 has invalid magic byte",
        "\x1b[0;32mI (5000) app: tick\x1b[0m ets Jun  8 2016 00:22:57 rst:0x10 (RTCWDT_RTC_RESET),boot:0x13",
    ]
    plain = ["I (11) wifi: state: auth -> assoc (0)", "I (14) app: GET /status 200 (12 ms)"]
    lines = ["start", *plain, glued[0], *plain, glued[1], *plain, "end"]
    text = "\n".join(lines)
    assert [text[a:b] for a, b in screen.line_spans(text)] == glued


def test_an_app_line_that_only_looks_glued_is_passed_over_wherever_it_stands() -> None:
    screen, _truth, _noise = _screen_and_truth()
    look_alike = "I (177) octal_psram: vendor id    : 0x0d (AP)"
    for lines in (["start", look_alike, "end"], [look_alike, "end"], ["start", "I (1) app: x", look_alike]):
        text = "\n".join(lines)
        assert list(screen.line_spans(text)) == []


def _lead(source: str) -> tuple[frozenset[str], str] | None:
    return leading_chars(source, _parser.parse(source).data)


def test_leading_characters_of_a_trigger() -> None:
    assert _lead(r"[EW] \([\d:.]+\) ") == (frozenset("EW"), r" \([\d:.]+\) ")
    assert _lead(r"\bSig block \d") == (frozenset("S"), r"ig block \d")
    assert _lead(r"\(x") == (frozenset("("), "x")
    assert _lead(r"Q") == (frozenset("Q"), "")
    assert _lead(r"\d+ bytes") is None
    assert _lead(r"a*b") is None
    assert _lead(r"(?:ab|cd)") is None
    assert _lead(r"[A-Z]x") is None  # too many characters to stop on


def test_a_screen_without_noise_reports_every_trigger_line() -> None:
    screen = TriggerScreen([r"Sig block \d", r"[EW] \(\d+\) "])
    text = "I (1) wifi: Sig block 0\nnothing\nW (2) x: y"
    assert [text[a:b] for a, b in screen.line_spans(text)] == ["I (1) wifi: Sig block 0", "W (2) x: y"]


# Words over a few letters, common and rare, so that literals share characters and the screen may
# anchor one on a character another brought; "(?i:...)" for a trigger read in any case.
_WORD = st.text(alphabet="aeEgrxXz!_ ", min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORD, st.booleans()), min_size=1, max_size=8),
       st.lists(st.text(alphabet="aeEgrxXz!_ \n", max_size=40), min_size=1, max_size=6))
def test_a_screen_of_literals_reports_exactly_the_lines_they_match(words: list[tuple[str, bool]], pieces: list[str]) -> None:
    triggers = [f"(?i:{re.escape(w)})" if ic else re.escape(w) for w, ic in words]
    screen = TriggerScreen(triggers)
    truth = re.compile("|".join(f"(?:{t})" for t in triggers))
    text = "\n".join(pieces)
    spans = list(screen.line_spans(text))
    expected, start = [], 0
    for line in text.split("\n"):
        if truth.search(line):
            expected.append((start, start + len(line)))
        start += len(line) + 1
    assert spans == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORD, st.booleans()), min_size=1, max_size=12), st.sets(st.sampled_from("aeEgrxXz!_"), max_size=3))
def test_each_literal_is_anchored_on_a_character_of_its_own_that_the_screen_stops_at(
        words: list[tuple[str, bool]], fixed: set[str]) -> None:
    literals = [Literal(w, ic) for w, ic in words]
    positions = anchor_positions(literals, frozenset(fixed))

    def chars(lit: Literal, at: int) -> set[str]:
        return case_variants(lit.text[at]) if lit.ignorecase else {lit.text[at]}

    assert set(positions) == set(literals)
    anchors = {ch for lit, at in positions.items() for ch in chars(lit, at)}
    rarest = {ch for lit in literals for ch in chars(lit, lit.anchor())}
    # never more characters to stop at than each literal's rarest one gave
    assert len(anchors - fixed) <= len(rarest - fixed)
    for lit, at in positions.items():
        assert 0 <= at < len(lit.text)


def test_a_literal_moves_to_a_character_the_screen_already_stops_at() -> None:
    # Alone, "bx" stops the screen at its rarer "x". When the screen stops at "b" anyway (an
    # alternative begins with it), "bx", "by" and "b_" are all checked from there: one branch
    # where there would be four, and no stop more.
    assert CHAR_SHARE["x"] < CHAR_SHARE["b"]
    literals = [Literal("bx"), Literal("by"), Literal("b_")]
    positions = anchor_positions(literals, fixed=frozenset("b"))
    assert positions == {lit: 0 for lit in literals}
    alone = anchor_positions([Literal("bx")])
    assert alone == {Literal("bx"): 1}


def test_a_noise_line_holding_a_trigger_reads_alike_wherever_a_stream_was_cut() -> None:
    # An application-tag debug line is noise the screen passes over inside a block; it holds the ROM's
    # catalogued 'mmu set' words. Fed a line at a time, it opens a block: it must still be passed over.
    from bootdiag.core.pipeline import Analyzer

    text = (
        b"I (61) boot: ## Label            Usage          Type ST Offset   Length\n"
        b"D (68) bootloader_flash: mmu set paddr=00000000 count=1\n"
        b"D (73) boot: mapped partition table 0x8000 at 0x3f408000\n"
    )

    def events(pieces: list[bytes]) -> list[tuple[int, str]]:
        analyzer = Analyzer("<capture>", every_event=True)
        found = [event for piece in pieces for event in analyzer.feed_bytes(piece)]
        analyzer.finish()
        return [(event.line, event.kind) for event in found]

    whole = events([text])
    assert events([text[i : i + 1] for i in range(len(text))]) == whole
    assert 2 not in [line for line, _kind in whole]


def test_a_glued_line_deep_in_a_long_run_of_noise_is_screened() -> None:
    # Glued starts are searched a window of lines at a time: one far into a run, and one in a later
    # run, must still be found.
    screen, _truth, _noise = _screen_and_truth()
    app = "\x1b[0;32mI (1234) wifi: connected to the access point\x1b[0m\r"
    glued = "I (12) wifi: state: init -> auth E (13) esp_image: image at 0x10000 has invalid magic byte"
    lines = [app] * 400 + [glued] + [app] * 300 + ["plain output"] + [app] * 10 + [glued] + [app] * 5
    text = "\n".join(lines)
    assert len(text) > 3 * 8192
    assert [text[a:b] for a, b in screen.line_spans(text)] == [glued, glued]


def test_trigger_lines_at_the_end_of_a_block_with_or_without_a_newline() -> None:
    screen, _truth, _noise = _screen_and_truth()
    for last in ("W (2) x: whole trigger", "ends with Sig block 0", "I (1) app: tick"):
        for text in (f"start\n{last}", f"start\n{last}\n", f"{last}\n\n"):
            found = [text[a:b] for a, b in screen.line_spans(text)]
            assert found == ([] if last.startswith("I (1) app") else [last]), text
