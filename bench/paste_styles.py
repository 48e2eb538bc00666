"""Does an answer survive the way people paste? Every real capture (corpus/real) is pasted again in
each style a forum or chat gives it, and the answer is compared with the one for the capture as it
was collected.

    python bench/paste_styles.py            # the shares per style and platform
    python bench/paste_styles.py --changed  # also list every capture whose answer a style changes

Styles (each applied to every line of the capture, after taking off a code fence it had):

- quote: ``> `` before each line (a forum quote);
- fenced: the capture in a ``` block, inside a sentence or two;
- html: ``<``, ``>``, ``&`` and quotes escaped as a web page's source has them;
- numbered: ``cat -n`` numbers;
- timestamps: a terminal program's ``[2024-03-01 10:00:00.123] `` before each line;
- bullets: ``- `` before each line;
- crlf: CR LF line ends;
- glued: newlines lost, every three lines on one line (only the lines of fenced blocks, when a
  capture has them: the writer's sentences around them stay apart);
- shown-crlf: as glued, with each lost line end shown as ``{0D}{0A}`` (a terminal program that prints
  control bytes as their hex codes);
- shown-names: ``<ESC>`` before each line and ``<CR><LF>`` after it (a terminal program that prints
  control bytes by their names);
- shown-esc: ESP-IDF's colour codes around its log lines, each ESC shown as ``<27>``, ``^[`` or ``[1B]``
  (loggers and serial monitors that print control bytes by number, in caret notation or in hex);
- no-level: the level letter of an ESP-IDF line taken off (``E (116) tag:`` becomes ``(116) tag:``);
- typographic: the apostrophe inside a word shown as U+2019;
- bold: each line set in markdown bold (``**...**``, the indent outside it);
- escaped-eol: each line end shown as its escape ``\\r`` (a log copied out of a JSON or repr dump);
- no-break: every blank a no-break space (a log copied out of a mail, a chat or a rich-text editor);
- arduino-ide: Arduino IDE 2.x's ``9:5:07.123 -> `` before each line (no leading zero on the hour and
  the minute);
- grep-n: ``grep -n``'s line number and colon before each line;
- journal: a systemd journal's ``Mar  1 10:00:01 host unit[pid]: `` before each line.
- rich-text: the capture in ``<pre>``, each line in ``<font color="...">...</font>`` (a terminal's
  "copy as HTML", a forum's rich-text editor).
- mail-reply: every line longer than 72 columns broken at its blanks into rows (as a mail program sends
  a pasted log), each row quoted with ``> `` (a reply to that mail, as a list archive shows it).

An answer is the report's status and its first finding's rule id. Target: every share >= 95%.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import ROOT, use_checkout  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
use_checkout()
from accuracy import cases  # noqa: E402
from paste_variants import STYLES, answer, plain_lines  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changed", action="store_true", help="list every capture whose answer a style changes")
    args = parser.parse_args()
    kept: dict[tuple[str, str], list[bool]] = defaultdict(list)
    changed: list[str] = []
    for log, expect in cases():
        text = log.read_text(encoding="utf-8", errors="replace")
        base = answer(plain_lines(text))
        for style, paste in STYLES.items():
            got = answer(paste(text))
            for platform in (expect["platform"], "all"):
                kept[(style, platform)].append(got == base)
            if got != base:
                changed.append(f"  {style:<10} {log.parent.name}/{log.stem}: {base} -> {got}")
    platforms = sorted({p for _s, p in kept if p != "all"}) + ["all"]
    print(f"{'style':<11}" + "".join(f"{p:>17}" for p in platforms))
    worst = 1.0
    for style in STYLES:
        row = []
        for p in platforms:
            same = kept[(style, p)]
            share = sum(same) / len(same) if same else 1.0
            worst = min(worst, share)
            row.append(f"{sum(same):>5}/{len(same):<4} {share:>6.1%}")
        print(f"{style:<11}" + "".join(f"{r:>17}" for r in row))
    print(f"target: every share >= 95% ({'MET' if worst >= 0.95 else 'NOT MET'})")
    if args.changed:
        print("\n".join(changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
