"""Find the lines a set of trigger regexes can match, at the speed of a literal scan.

A combined trigger regex run over a block costs time at every character for every alternative
(the regex engine tries each one in turn), so it grows with the number of families. Instead:

1. every trigger alternative is analysed (``re`` syntax tree) for literals that any match must
   contain, e.g. ``[EW] \\([\\d:.]+\\) `` needs ``E (`` or ``W (``;
2. each literal is anchored on its rarest character and checked around it (the rest of it forward,
   the whole of it as a lookbehind), so one screen regex over the block starts work only where
   such a character is (the engine skips the other characters in C); the checks of one anchor
   are written as a trie (regex_trie.py), which the engine passes over with a compare per branch;
3. a line the screen hits is confirmed with only the triggers whose literals are anchored on the
   character that hit: a line is reported exactly when some trigger matches somewhere in it. A
   trigger that is its own check (a plain string, or one that begins with a character) is run
   whole by the screen, to the line's end, and needs no confirming.

A trigger without such a literal (``\\w+: failed``) cannot be screened; then the whole set falls back
to the combined regex, and :attr:`TriggerScreen.unanchored` names the culprits.

Every stop costs, and ordinary words are full of the letters some literal must anchor on. So the
screen also takes ``noise``: a regex for the start of lines that cannot matter (an app's own
informational lines). A run of such lines is passed over in one step, at the speed of a scan for
the newline, and nothing inside them stops the screen but ``noise_glued``: where, inside such a
line, another log line may begin (a paste that lost its newlines), searched a window of lines at a
time as runs need it; such a line is screened like any other.

A trigger cut in two where a terminal wrapped a line is in neither row. So the screen also takes
``rows``: a regex for a row (at its start) that may go on in the next one. It stops at such rows
outside runs of noise, and :meth:`TriggerScreen.line_spans` asks its caller how far the line the
device printed goes on: the rows joined are screened as one line.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

from bootdiag.core.parse.regex_trie import alternation, literal_prefix
from bootdiag.core.parse.wrapped import joined
from bootdiag.core.precompiled import Precompiled
from bootdiag.core.value import Frozen, set_fields

# Share of each character in boot logs as they arrive, colour codes included (the corpus, the
# seeds, the Jetson reference logs and bench/generate.py's app output and boot loop, weighted
# equally); characters not listed are rarer still.
CHAR_SHARE = {
    ' ': 0.1236, '0': 0.0709, 'e': 0.0449, 't': 0.0371, 'i': 0.0325, 'm': 0.0315, 'a': 0.0312, '2': 0.0303,
    'o': 0.0287, 's': 0.0281, '1': 0.0271, ':': 0.0259, '3': 0.0235, 'r': 0.0229, '[': 0.0216, 'n': 0.021,
    'd': 0.0199, "\x1b": 0.0193, 'p': 0.0178, '.': 0.0175, 'c': 0.0151, '(': 0.014, ')': 0.014, 'l': 0.0139,
    '4': 0.0139, 'b': 0.0133, '5': 0.0131, '_': 0.0128, 'I': 0.0125, '6': 0.012, '8': 0.0119, 'f': 0.011,
    'g': 0.0107, '9': 0.0103, ';': 0.0097, 'h': 0.0091, '7': 0.009, 'u': 0.0087, 'v': 0.0068, '=': 0.0065,
    ',': 0.0056, 'S': 0.0053, 'T': 0.0051, 'y': 0.005, 'E': 0.0044, 'x': 0.0042, '-': 0.0041, '#': 0.003,
    'w': 0.003, 'k': 0.0029, 'P': 0.0028, 'A': 0.0026, '/': 0.0025, ']': 0.0024, 'F': 0.0021, 'O': 0.0019,
    'M': 0.0018, 'C': 0.0018, 'R': 0.0018, 'z': 0.0017, 'D': 0.0017, 'N': 0.0015, 'B': 0.0015, 'V': 0.0014,
    'W': 0.0012, 'L': 0.0009, '>': 0.0009, 'G': 0.0009, 'H': 0.0008, 'q': 0.0008, 'U': 0.0008, 'Q': 0.0006,
    '%': 0.0006, 'J': 0.0003, '*': 0.0003, '!': 0.0002, 'K': 0.0001, 'j': 0.0001,
}
_RARE = 0.00005
# Under IGNORECASE, ``re`` also equates these code points with ASCII letters (checked in tests).
_CASE_EXTRA = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_MAX_EXPANSION = 8  # a small character class ([EW]) becomes that many literals at most
_GLUED_WINDOW = 8192  # characters searched at a time for a log line glued inside a noise line


class Literal(Frozen):
    text: str
    ignorecase: bool
    _fields = ("text", "ignorecase")

    def __init__(self, text: str, ignorecase: bool = False) -> None:
        set_fields(self, text=text, ignorecase=ignorecase)

    def share(self) -> float:
        """Rough chance that this literal starts at a given character of a log."""
        p = 1.0
        for ch in self.text:
            p *= _char_share(ch, self.ignorecase)
        return p

    def anchor(self) -> int:
        """Index of the character the screen starts from: the rarest one, and of equally rare ones
        the first: the check after a stop then begins with the characters that follow it, which
        the engine rejects with a compare, where one that only looks back costs a lookbehind."""
        last = len(self.text) - 1
        return min(range(len(self.text)), key=lambda i: (_char_share(self.text[i], self.ignorecase), 0 < i == last, i))


def _char_share(ch: str, ignorecase: bool) -> float:
    if ignorecase and ch.lower() != ch.upper():
        return CHAR_SHARE.get(ch.lower(), _RARE) + CHAR_SHARE.get(ch.upper(), _RARE)
    return CHAR_SHARE.get(ch, _RARE)


def case_variants(ch: str) -> set[str]:
    """Every character ``re`` matches for ``ch`` under IGNORECASE (ASCII letters and uncased)."""
    variants = {ch, ch.lower(), ch.upper()}
    variants |= set(_CASE_EXTRA.get(ch.lower(), ""))
    return {v for v in variants if len(v) == 1}


# ------------------------------------------------------------------ required literals
LiteralSet = frozenset[Literal]


def _chars_at(lit: Literal, at: int) -> frozenset[str]:
    """The characters the screen stops at for ``lit`` anchored at index ``at``: every case under IGNORECASE."""
    return frozenset(case_variants(lit.text[at])) if lit.ignorecase else frozenset(lit.text[at])


def _anchors(choice: LiteralSet) -> frozenset[str]:
    return frozenset(ch for lit in choice for ch in _chars_at(lit, lit.anchor()))


def _stops(chars: frozenset[str]) -> float:
    return sum(CHAR_SHARE.get(ch, _RARE) for ch in chars)


def _cost(choice: LiteralSet) -> tuple[float, float]:
    """Rank literal sets by the most frequent anchor character among them (how often the screen
    stops, which is what the regex engine pays for), then by how often a stop would be a hit."""
    return max(_char_share(lit.text[lit.anchor()], lit.ignorecase) for lit in choice), max(lit.share() for lit in choice)


def _best(choices: list[LiteralSet]) -> LiteralSet | None:
    return min(choices, key=_cost) if choices else None


# What a stop of the screen costs, in ns, on CPython 3.11's ``re`` (bench/screen_anchors.py): entering
# the match; passing over each branch of the screen, a compare each (every stop walks them all: a
# check that fails goes on to the branches after its own); passing over each branch of the anchor's
# own check that begins with a character or a class; running each one that begins with a lookbehind.
_STOP_COST = 10.0
_BRANCH_COST = 1.7
_LOOKBEHIND_COST = 12.0


class _Body:
    """What the checks after one anchor character begin with (see :func:`_around`): their cost."""

    __slots__ = ("forward", "behind", "classes", "lookbehinds")

    def __init__(self) -> None:
        self.forward: dict[str, int] = {}  # first character after the anchor -> literals
        self.behind: dict[int, int] = {}  # width of a lookbehind right after it -> literals
        self.classes = 0  # literals under IGNORECASE that go on after it (a class of cases first)
        self.lookbehinds = 0  # literals under IGNORECASE that end at it (a lookbehind)

    def add(self, lit: Literal, at: int, step: int) -> None:
        after = lit.text[at + 1 :]
        if lit.ignorecase:
            if after:
                self.classes += step
            else:
                self.lookbehinds += step
        elif after:
            _count(self.forward, after[0], step)
        else:
            _count(self.behind, len(lit.text), step)

    def empty(self) -> bool:
        return not (self.forward or self.behind or self.classes or self.lookbehinds)

    def cost(self) -> float:
        return (_BRANCH_COST * (len(self.forward) + self.classes)
                + _LOOKBEHIND_COST * (len(self.behind) + self.lookbehinds))

    def copy(self) -> _Body:
        body = _Body()
        body.forward, body.behind = dict(self.forward), dict(self.behind)
        body.classes, body.lookbehinds = self.classes, self.lookbehinds
        return body


def _count(counts: dict, key: object, step: int) -> None:
    counts[key] = counts.get(key, 0) + step
    if not counts[key]:
        del counts[key]


def _literal_order(lit: Literal) -> tuple[str, bool]:
    return lit.text, lit.ignorecase  # (sets of literals are walked in this order: the same screen every build)


def anchor_positions(literals: list[Literal], fixed: frozenset[str] = frozenset(), branches: int = 2) -> dict[Literal, int]:
    """The index of the character each literal is anchored on.

    First each literal's rarest character. Then, while it makes the screen cheaper on the whole,
    one anchor character at a time is given up and its literals anchored on other characters of
    theirs that stay anchors: every stop walks every anchor's branch, so with fewer anchors every
    stop costs less, while the stops themselves stay where they were (the literals move to
    characters the screen already stops at). ``fixed``: characters that stay anchors (alternatives
    that begin with them); ``branches``: the screen's other branches."""
    lits = sorted(set(literals), key=_literal_order)
    at = {lit: lit.anchor() for lit in lits}
    on: dict[str, set[Literal]] = {}
    bodies: dict[str, _Body] = {}
    for lit in lits:
        for ch in _chars_at(lit, at[lit]):
            on.setdefault(ch, set()).add(lit)
            bodies.setdefault(ch, _Body()).add(lit, at[lit], 1)
    anchors = set(fixed) | set(on)

    def share(ch: str) -> float:
        return _char_share(ch, False)

    while True:
        walk = _STOP_COST + _BRANCH_COST * (len(anchors) + branches)
        stops = sum(share(ch) for ch in anchors)
        best: tuple[float, dict[Literal, int]] | None = None
        for gone in sorted(anchors - fixed):
            stay = anchors - {gone}
            moved: dict[Literal, int] = {}
            for lit in sorted(on.get(gone, ()), key=_literal_order):
                options = [i for i in range(len(lit.text)) if lit.text[i] != "\n" and _chars_at(lit, i) <= stay]
                if not options:
                    break
                moved[lit] = min(options, key=lambda i: (_char_share(lit.text[i], lit.ignorecase), i))
            else:
                changed: dict[str, _Body] = {}
                for lit, i in moved.items():
                    for ch in _chars_at(lit, at[lit]):
                        changed.setdefault(ch, bodies[ch].copy()).add(lit, at[lit], -1)
                    for ch in _chars_at(lit, i):
                        changed.setdefault(ch, bodies[ch].copy() if ch in bodies else _Body()).add(lit, i, 1)
                left = {ch for ch, body in changed.items() if ch not in fixed and body.empty()}
                # (a character may lose its last literal with the one given up)
                kept = anchors - left
                delta = (_BRANCH_COST * (len(kept) - len(anchors)) * (stops - sum(share(ch) for ch in left))
                         - walk * sum(share(ch) for ch in left)
                         + sum(share(ch) * (body.cost() - (bodies[ch].cost() if ch in bodies else 0.0))
                               for ch, body in changed.items() if ch not in left)
                         - sum(share(ch) * bodies[ch].cost() for ch in left if ch in bodies))
                if delta < -1e-9 and (best is None or delta < best[0]):
                    best = (delta, moved)
        if best is None:
            return at
        moved = best[1]
        for lit, i in moved.items():
            for ch in _chars_at(lit, at[lit]):
                on[ch].discard(lit)
                bodies[ch].add(lit, at[lit], -1)
            at[lit] = i
            for ch in _chars_at(lit, i):
                on.setdefault(ch, set()).add(lit)
                bodies.setdefault(ch, _Body()).add(lit, i, 1)
        for ch in [ch for ch, lits_on in on.items() if not lits_on]:
            del on[ch]
            del bodies[ch]
        anchors = set(fixed) | set(on)


def _class_chars(items: list[tuple[object, object]]) -> list[str] | None:
    """The characters of a small positive class such as ``[EW]``; ``None`` when not small."""
    chars: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))  # type: ignore[arg-type]
        elif op is sre.RANGE and av[1] - av[0] < _MAX_EXPANSION:  # type: ignore[index]
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))  # type: ignore[index]
        else:
            return None
    return chars if len(chars) <= _MAX_EXPANSION else None


def required_literals(items: list[tuple[object, object]], ignorecase: bool = False) -> list[LiteralSet]:
    """Sets of literals such that every match of the sequence ``items`` contains one of each set."""
    found: list[LiteralSet] = []
    runs = [""]

    def close() -> None:
        nonlocal runs
        if all(runs):
            found.append(frozenset(Literal(r, ignorecase) for r in runs))
        runs = [""]

    for op, av in items:
        if op is sre.LITERAL:
            runs = [r + chr(av) for r in runs]  # type: ignore[arg-type]
            continue
        if op is sre.IN:
            chars = _class_chars(av)  # type: ignore[arg-type]
            if chars and len(runs) * len(chars) <= _MAX_EXPANSION:
                runs = [r + c for r in runs for c in chars]
                continue
        close()
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av  # type: ignore[misc]
            inner = (ignorecase or bool(add_flags & sre.SRE_FLAG_IGNORECASE)) and not del_flags & sre.SRE_FLAG_IGNORECASE
            found.extend(required_literals(sub.data, inner))
        elif op is sre.BRANCH:
            union = _branch_literals(av[1], ignorecase)  # type: ignore[index]
            if union is not None:
                found.append(union)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = av  # type: ignore[misc]
            if low >= 1:
                found.extend(required_literals(sub.data, ignorecase))
        elif op is sre.ATOMIC_GROUP:
            found.extend(required_literals(av.data, ignorecase))  # type: ignore[union-attr]
    close()
    return found


def _branch_literals(alternatives: list[sre_parse.SubPattern], ignorecase: bool) -> LiteralSet | None:
    union: set[Literal] = set()
    for alt in alternatives:
        best = _best(required_literals(alt.data, ignorecase))
        if best is None:
            return None
        union |= best
    return frozenset(union)


def split_alternatives(source: str) -> list[str]:
    """Split ``a|(?:b|c)|d`` at top-level ``|`` (outside groups and classes), recursing into
    groups that are a whole alternative: ``["a", "b", "c", "d"]``."""
    parts: list[str] = []
    start = 0
    for i, ch, depth in _structure(source):
        if ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    result: list[str] = []
    for part in parts:
        inner = _plain_group_body(part)
        result.extend(split_alternatives(inner) if inner is not None else [part])
    return result


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, group depth after it)`` for each character of a regex source that is
    neither escaped nor inside a ``[...]`` class: what both splitting and unwrapping need."""
    depth = 0
    in_class = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":
                i += 1
        else:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            yield i, ch, depth
        i += 1


def _plain_group_body(part: str) -> str | None:
    """``(?:x)`` -> ``x`` when the group spans the whole part; else ``None``."""
    if not part.startswith("(?:") or not part.endswith(")"):
        return None
    for i, ch, depth in _structure(part):
        if ch == ")" and depth == 0 and i != len(part) - 1:
            return None
    return part[3:-1]


_SPECIAL = set("\\.^$*+?{}[]|()")


def leading_chars(source: str, items: list[tuple[object, object]], ignorecase: bool = False) -> tuple[frozenset[str], str] | None:
    """``(first characters, rest of the source)`` when every match of ``source`` starts with one of
    a few characters (a literal or a small class, not repeated), else ``None``. A leading ``\\b``
    is dropped: the rest then matches a little more often, never less."""
    if source.startswith("\\b") and items and items[0][0] is sre.AT:
        return leading_chars(source[2:], items[1:], ignorecase)
    if not items or not source:
        return None
    op, av = items[0]
    if op is sre.LITERAL:
        if source[0] == "\\" and len(source) > 1 and not source[1].isalnum():
            size = 2  # an escaped punctuation character: \( \* \[
        elif source[0] not in _SPECIAL:
            size = 1
        else:
            return None
        chars = [chr(av)]  # type: ignore[arg-type]
    elif op is sre.IN and source[0] == "[":
        found = _class_chars(av)  # type: ignore[arg-type]
        end = _class_end(source)
        if found is None or end is None:
            return None
        chars, size = found, end + 1
    else:
        return None
    if ignorecase:
        chars = [v for ch in chars for v in case_variants(ch)]
    return frozenset(chars), source[size:]


def _class_end(source: str) -> int | None:
    """Index of the ``]`` closing the class that starts ``source``."""
    i = 1
    if source[i : i + 1] == "^":
        i += 1
    if source[i : i + 1] == "]":
        i += 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "]":
            return i
        i += 1
    return None


# ------------------------------------------------------------------ the screen
class TriggerScreen:
    """Lines of a text block where any of ``triggers`` (regex sources) matches."""

    def __init__(self, triggers: list[str], flags: int = re.MULTILINE, noise: str | None = None,
                 noise_glued: str | None = None, rows: str | None = None) -> None:
        self.triggers = list(triggers)
        self.flags = flags
        self.noise = noise
        self.noise_glued = noise_glued
        self.rows = rows
        self._glued = re.compile(noise_glued, flags) if noise and noise_glued else None
        self.alternatives = [alt for t in triggers for alt in split_alternatives(t)]
        self.unanchored: list[str] = []
        by_anchor: dict[str, set[int]] = {}
        # anchor character -> what must stand around it (see _around): for a hit to confirm, and for
        # one that is sure (the check is a whole trigger)
        checks: dict[str, set[tuple[str, str, str]]] = {}
        sure: dict[str, set[tuple[str, str, str]]] = {}
        ignorecase = bool(flags & re.IGNORECASE)
        anchored: list[tuple[int, LiteralSet, bool]] = []  # (alternative, its literals, whether sure)
        for index, alt in enumerate(self.alternatives):
            tree = sre_parse.parse(alt, flags)
            choice = _best(required_literals(tree.data, ignorecase))
            lead = leading_chars(alt, tree.data, ignorecase)
            if lead is not None and (choice is None or _stops(lead[0]) <= _stops(_anchors(choice))):
                # The alternative starts with one of a few characters: stop on those and run the
                # rest of the alternative right there, in C (no literal hit to confirm in Python).
                chars, rest = lead
                # Without a dropped ``\\b`` the check is the whole alternative.
                exact = not alt.startswith("\\b")
                prefix, remainder = literal_prefix(rest)
                tail = f"(?={remainder})" if remainder else ""
                for ch in chars:
                    by_anchor.setdefault(ch, set()).add(index)
                    (sure if exact else checks).setdefault(ch, set()).add((prefix, "", tail))
                continue
            if choice is None:
                self.unanchored.append(alt)
                continue
            # A trigger that is one plain string is found whole by its literal check: sure too.
            whole = len(choice) == 1 and all(op is sre.LITERAL for op, _av in tree.data)
            anchored.append((index, choice, whole))
        positions = anchor_positions([lit for _index, choice, _whole in anchored for lit in choice], frozenset(by_anchor))
        for index, choice, whole in anchored:
            for lit in choice:
                at = positions[lit]
                prefix, behind, tail = _around(lit, at)
                for ch in _chars_at(lit, at):
                    by_anchor.setdefault(ch, set()).add(index)
                    (sure if whole else checks).setdefault(ch, set()).add((prefix, behind, tail))
        self.screen: re.Pattern[str] | None = None
        self._row_group = -1  # the screen's group that closes on a row at a terminal's width
        # Anchor character -> the alternatives to confirm a hit with (compiled on first use:
        # start-up time matters more than the first block).
        self._confirm_for = {ch: tuple(sorted(indices)) for ch, indices in by_anchor.items()}
        self._confirm: dict[str, re.Pattern[str]] = {}
        self._compiled: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._kept: dict[tuple[int, ...], Precompiled] = {}  # see compile_all
        if self.unanchored or not by_anchor:
            return
        branches = []
        if noise:
            # A newline, then one or more noise lines, up to the last one's newline (which may open
            # the next run). Every branch starts with a plain character (no group around it): that
            # keeps the compiled pattern's first-character test, which is what makes the scan fast.
            # No trigger anchors on a newline, so a match that starts with one is a run of noise.
            line = f"(?:{noise})[^\\n]*+"
            branches.append(f"\\n{line}(?:\\n{line})*+")  # possessive: nothing to undo
        if rows:
            # A row that may go on in the next one, after a newline that opens no run of noise: the
            # match is the newline alone, and its empty group says which branch it was.
            branches.append(f"\\n(?={rows})(?P<row_at_width>)")
        # Frequent anchor characters first: the engine tries the alternatives in order. A sure check
        # runs on to the line's end and closes an empty group of its own: a match through one needs
        # no confirming (its lastindex says so), and ends where the line does. (One group per anchor:
        # a match object makes room for every group of the pattern, at every match.)
        sure_names: list[str] = []
        for ch in sorted(checks.keys() | sure.keys(), key=lambda c: -_char_share(c, False)):
            branches.append(re.escape(ch) + _anchor_body(sure.get(ch, set()), checks.get(ch, set()), sure_names))
        self.screen = re.compile("|".join(branches), flags)
        # (a trigger's own groups may close inside a check too: only these say it was sure)
        self._sure_groups = frozenset(self.screen.groupindex[name] for name in sure_names)
        self._row_group = self.screen.groupindex.get("row_at_width", -1)

    @cached_property
    def combined(self) -> re.Pattern[str]:
        """All triggers as one regex (the fallback when a trigger cannot be screened)."""
        return re.compile("|".join(f"(?:{t})" for t in self.triggers), self.flags)

    def _confirmer(self, ch: str) -> re.Pattern[str]:
        indices = self._confirm_for[ch]
        pattern = self._compiled.get(indices)
        if pattern is None:
            kept = self._kept.get(indices)
            pattern = kept.pattern if kept is not None else re.compile(self._confirm_source(indices), self.flags)
            self._compiled[indices] = pattern
        self._confirm[ch] = pattern
        return pattern

    def _confirm_source(self, indices: tuple[int, ...]) -> str:
        return "|".join(f"(?:{self.alternatives[i]})" for i in indices)

    def compile_all(self) -> TriggerScreen:
        """Compile every confirming regex now (they are otherwise compiled when a line first needs
        one) and keep their programs: a screen from the build cache makes those a capture needs
        from their programs."""
        self._kept = {indices: Precompiled(self._confirm_source(indices), self.flags) for indices in set(self._confirm_for.values())}
        return self

    def line_spans(self, text: str, pos: int = 0, follows_line: bool = False,
                   wrapped_end: Callable[[str, int, int], int] | None = None) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every line of ``text`` (``\\n``-separated) from ``pos`` (a line's
        start) on that some trigger matches. ``follows_line``: the line at ``pos`` is not the
        capture's first, so a noise line there is passed over as one after a newline inside a block
        is (the answer must not depend on where a stream was cut into blocks).

        ``wrapped_end(text, start, end)``: where the line that begins with the row ``start:end`` ends
        when a terminal wrapped it (``end`` when it did not). A row (of ``rows``) whose line some
        trigger matches only with its rows joined is given as ``(start, end)`` of that first row,
        and the screen goes on after the line's last row."""
        if self.screen is None:
            yield from self._combined_spans(text, pos)
            return
        if follows_line and self.noise:
            first_end = text.find("\n", pos)
            if first_end < 0:
                first_end = len(text)
            if self._passed_over(text, pos, first_end):
                pos = first_end
        wrapped_to = -1  # the end of the last wrapped line looked at: its later rows are no line's first
        if wrapped_end is not None and self._rows is not None and self._rows.match(text, pos):
            # the first row has no newline before it for the screen to stop at
            wrapped_to, hit_line = self._wrapped_line(text, pos, wrapped_end)
            if hit_line:
                yield pos, text.find("\n", pos)
                pos = wrapped_to
        finditer = self.screen.finditer
        sure_groups = self._sure_groups
        row_group = self._row_group
        find, rfind = text.find, text.rfind
        confirm = self._confirm
        size = len(text)
        line_start = line_end = -1
        tried: set[str] = set()
        # Where another log line may begin inside a noise line (a paste that lost its newlines):
        # searched a window at a time as runs of noise lines need it, not once per run.
        glued = self._glued.search if self._glued is not None else None
        # glued_at < clear_to: the first such place from the current run on; glued_at == clear_to:
        # none up to there
        glued_at = clear_to = -1
        while True:
            # The scan goes on from where a match ended, unless a line's end or a miss inside a
            # match says otherwise: then it starts again from there.
            for m in finditer(text, pos):
                hit, end = m.span()
                if text[hit] == "\n":  # a run of noise lines, or a row at a terminal's width
                    if m.lastindex == row_group:
                        if wrapped_end is None or end < wrapped_to:
                            continue
                        wrapped_to, hit_line = self._wrapped_line(text, end, wrapped_end)
                        if not hit_line:
                            continue  # its rows are screened one by one, as any line
                        yield end, find("\n", end)
                        pos = wrapped_to  # its newline may start a run of noise lines
                        break
                    if glued is not None:
                        if glued_at < hit:  # what was found lies before this run: look again from it
                            glued_at = clear_to = hit
                        if glued_at == clear_to < end:  # none up to clear_to: search on, whole lines
                            stop = find("\n", clear_to + _GLUED_WINDOW)
                            stop = max(end, stop if stop >= 0 else size)
                            g = glued(text, clear_to, stop)
                            glued_at, clear_to = (g.start(), size + 1) if g is not None else (stop, stop)
                        if glued_at < end and glued_at < clear_to:
                            # A noise line that may hold another log line: screened from its start
                            # like any line (the triggers decide, as for a noise line that opens a
                            # block), and the run goes on after it.
                            pos = rfind("\n", 0, glued_at) + 1
                            break
                    continue
                if m.lastindex in sure_groups:  # the screen ran a whole trigger, to the line's end
                    line_end = end
                    yield rfind("\n", 0, hit) + 1, line_end
                    continue  # the scan goes on at its newline, which may start a run of noise lines
                if hit > line_end:
                    line_start = rfind("\n", 0, hit) + 1
                    line_end = find("\n", hit)
                    if line_end < 0:
                        line_end = size
                    tried = set()
                ch = text[hit]
                if ch not in tried:
                    tried.add(ch)
                    pattern = confirm.get(ch) or self._confirmer(ch)
                    if pattern.search(text, line_start, line_end) is not None:
                        yield line_start, line_end
                        pos = line_end  # its newline may start a run of noise lines
                        break
                if end > hit + 1:
                    # The match took more than its anchor, which may hide another literal
                    # starting inside it: the scan goes on from the next character.
                    pos = hit + 1
                    break
            else:
                return

    @cached_property
    def _rows(self) -> re.Pattern[str] | None:
        return re.compile(self.rows) if self.rows else None

    def _wrapped_line(self, text: str, start: int, wrapped_end: Callable[[str, int, int], int]) -> tuple[int, bool]:
        """The end of the line that begins with the row at ``start``, and whether a terminal wrapped it
        (or a mail program broke it) and some trigger matches its rows joined."""
        end = text.find("\n", start)
        last = wrapped_end(text, start, end)
        if last <= end:
            return end, False
        return last, next(self.line_spans(joined(text[start:last])), None) is not None

    @cached_property
    def noise_regex(self) -> re.Pattern[str] | None:
        """``noise`` compiled: matched at a line's start, it tells a line the screen passes over."""
        return re.compile(self.noise, self.flags) if self.noise else None

    def _passed_over(self, text: str, start: int, end: int) -> bool:
        """Whether the line ``text[start:end]`` is noise the screen passes over: a noise line with no
        other log line glued inside it."""
        if self.noise_regex is None or self.noise_regex.match(text, start, end) is None:
            return False
        return self._glued is None or self._glued.search(text, start, end) is None

    def _combined_spans(self, text: str, pos: int = 0) -> Iterator[tuple[int, int]]:
        last_start = -1
        for m in self.combined.finditer(text, pos):
            start = text.rfind("\n", 0, m.start()) + 1
            if start == last_start:
                continue
            last_start = start
            end = text.find("\n", start)
            yield start, end if end >= 0 else len(text)


def _anchor_body(sure: set[tuple[str, str, str]], others: set[tuple[str, str, str]], names: list[str]) -> str:
    """What follows an anchor character in the screen: its sure checks (whole triggers), run to the
    line's end and closing a group named in ``names``, then the checks of hits to confirm."""
    confirmed = alternation(sorted(others)) if others else None
    if confirmed == "":
        return ""  # the anchor alone is a hit to confirm
    parts = [confirmed] if confirmed is not None else []
    if sure:
        name = f"sure_{len(names)}"
        names.append(name)
        whole = alternation(sorted(sure))
        parts.insert(0, f"(?:{whole})[^\\n]*+(?P<{name}>)" if whole else f"[^\\n]*+(?P<{name}>)")
    return f"(?:{'|'.join(parts)})"


def _around(lit: Literal, at: int) -> tuple[str, str, str]:
    """What must stand around ``lit``'s anchor character for ``lit`` to stand there, as
    :func:`alternation` takes it: the rest of its text (plain), the whole literal ending there (a
    lookbehind, unless the anchor is its first character), and a regex after that.

    Under IGNORECASE all of it is that regex, which begins with a class of its first character's
    cases: a class, like a plain character, lets the engine pass over the check with one test.
    """
    after = lit.text[at + 1 :]
    behind = lit.text if at else ""
    if "\n" in after:  # looked at, not taken: only a whole trigger's check may take a newline
        flags = "i" if lit.ignorecase else ""
        return "", "", f"(?{flags}:(?={re.escape(after)}){_behind(behind)})"
    if not lit.ignorecase:
        return after, behind, ""
    if not after:
        return "", "", f"(?i:{_behind(behind)})" if behind else ""
    first = "".join(sorted(re.escape(v) for v in case_variants(after[0])))
    return "", "", f"[{first}](?i:{re.escape(after[1:])}{_behind(behind)})"


def _behind(text: str) -> str:
    return f"(?<={re.escape(text)})" if text else ""
