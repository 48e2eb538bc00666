"""Control characters from input, shown as text instead of acting on the reader's terminal.

A capture, a file name or a rules file can carry BEL, backspace, carriage returns, escape
sequences (C0), their 8-bit forms (C1, 0x80-0x9f) and the Unicode marks that reverse the direction
of text. Printed raw they ring, erase, move the cursor or reorder what is shown; in Markdown they
reach the bug report. Every report renderer shows them as ``\\x07``, ``\\x9b``, ``\\u202e``; tab
and line feed stay.
"""
from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with its control characters written out as escapes."""
    return _CONTROLS.sub(_escaped, text) if _CONTROLS.search(text) else text
