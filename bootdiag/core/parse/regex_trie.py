"""Write many regex alternatives as one in the shape ``re`` runs fastest: a trie of their literal starts.

``re`` tries the alternatives of a group one by one. It skips one at the cost of a compare when it
begins with a plain character that is not the one at hand (or a class that does not hold it), and
pays in full for one that begins with anything else (a lookaround, a group with other flags). So a
list of hundreds of checks, tried at every stop of a screen, costs far less written as a trie:
``k(?:ey(?<=bad key)|ind(?<=unkind))`` becomes ``k(?:e(?:y(?<=bad key))|i(?:nd(?<=unkind)))``,
where a mismatch at each level is one compare per child.
"""
from __future__ import annotations

import re

_SPECIAL = set("\\.^$*+?{}[]|()")
_QUANTIFIERS = set("*+?{")


def literal_prefix(source: str) -> tuple[str, str]:
    """``(text, rest)``: the plain characters ``source`` (a regex, no IGNORECASE) begins with, and
    the regex that follows them. A character a quantifier applies to stays in ``rest``; so does a
    newline (a check never reads past one)."""
    text: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and not source[i + 1].isalnum() and source[i + 1] != "\n":
            size, char = 2, source[i + 1]
        elif ch not in _SPECIAL and ch != "\n":
            size, char = 1, ch
        else:
            break
        if source[i + size : i + size + 1] in _QUANTIFIERS:
            break
        text.append(char)
        i += size
    return "".join(text), source[i:]


class _Node:
    __slots__ = ("children", "leaves")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.leaves: list[tuple[str, str]] = []  # (text that must end here, regex after it)


def alternation(checks: list[tuple[str, str, str]]) -> str:
    """One regex for the alternatives of ``checks``, each ``(prefix, behind, tail)``: the plain text
    ``prefix``, at whose end the plain text ``behind`` ends (a lookbehind; may be empty), then the
    regex ``tail``. It matches where one of them does, trying a shared prefix once, and the
    lookbehinds of one width at one place as one trie. ``""`` when a check is empty."""
    root = _Node()
    for prefix, behind, tail in checks:
        node = root
        for ch in prefix:
            node = node.children.setdefault(ch, _Node())
        node.leaves.append((behind, tail))
    return _emit(root)


def _emit(node: _Node) -> str:
    if ("", "") in node.leaves:
        return ""  # matches here already: nothing after it can add a match
    parts: list[str] = []
    for ch, child in sorted(node.children.items()):
        while len(child.children) == 1 and not child.leaves:  # a chain: one literal run
            (next_ch, next_child), = child.children.items()
            ch, child = ch + next_ch, next_child
        body = _emit(child)
        parts.append(re.escape(ch) + (f"(?:{body})" if "|" in body else body))
    # Lookbehinds last: the engine cannot pass over them with a compare.
    behinds: dict[tuple[int, str], list[str]] = {}
    for behind, tail in node.leaves:
        if behind:
            behinds.setdefault((len(behind), tail), []).append(behind)
    for (_width, tail), texts in sorted(behinds.items()):
        parts.append(f"(?<={alternation([(t, '', '') for t in texts])}){tail}")
    parts.extend(sorted({tail for behind, tail in node.leaves if not behind}))
    return "|".join(parts)
