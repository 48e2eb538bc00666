"""A real capture pasted another way gets the same answer (what bench/paste_styles.py measures):
floors per style, which only ever go up."""
from __future__ import annotations

from pathlib import Path

import pytest

from paste_variants import STYLES, answer, plain_lines

REAL = sorted((Path(__file__).resolve().parents[1] / "corpus" / "real").glob("*/*.log"))

FLOORS = {
    "quote": 0.99, "fenced": 0.99, "html": 0.99, "numbered": 0.99, "timestamps": 0.99, "bullets": 0.99,
    "crlf": 0.99, "no-level": 0.98, "glued": 0.99, "shown-crlf": 0.99, "shown-names": 0.99,
    "typographic": 0.99, "bold": 0.99, "escaped-eol": 0.99, "wrapped": 0.97, "no-break": 0.99,
    "grep-n": 0.99, "journal": 0.99, "arduino-ide": 0.99, "cr-cr-lf": 0.99, "sscom": 0.99, "recv-ascii": 0.99,
    "mail-reply": 0.96, "forum-markup": 0.99, "rich-text": 0.99,
}


@pytest.fixture(scope="module")
def captures() -> list[tuple[str, str]]:
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in REAL]
    return [(text, answer(plain_lines(text))) for text in texts]


@pytest.mark.parametrize("style", sorted(FLOORS))
def test_each_paste_style_keeps_the_answer(captures: list[tuple[str, str]], style: str) -> None:
    paste = STYLES[style]
    same = sum(answer(paste(text)) == base for text, base in captures)
    assert same / len(captures) >= FLOORS[style], f"{style}: {same} of {len(captures)}"


def test_styles_change_the_text() -> None:
    text = "E (116) esp_image: image at 0x20000 has invalid magic byte (nothing flashed here?)\nI (5) boot: 'x' &gt; can't\nI (6) boot: y\n"
    for name, paste in STYLES.items():
        if name != "no-level":
            assert paste(text) != plain_lines(text), name
    assert "(116) esp_image:" in STYLES["no-level"](text) and "E (116)" not in STYLES["no-level"](text)
