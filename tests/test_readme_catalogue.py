"""The README's rule catalogue is the rules' own id and title, so it cannot drift from them."""
from __future__ import annotations

from pathlib import Path

from bootdiag.core.rules import load_rules

README = Path(__file__).resolve().parents[1] / "README.md"


def catalogue_rows() -> list[str]:
    return [f"| `{r.id}` | {r.title} |" for r in sorted(load_rules(), key=lambda r: (r.platform, r.id)) if not r.benign]


def test_readme_lists_every_rule_with_its_title() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Rule catalogue", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows == catalogue_rows(), "regenerate: python -c 'from tests.test_readme_catalogue import catalogue_rows; print(*catalogue_rows(), sep=chr(10))'"
