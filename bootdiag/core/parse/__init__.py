"""Lines -> typed events.

Speed comes from not looking at most lines: every family contributes a trigger regex, and one
combined regex is run over a whole block of text (in C); only the lines it hits are handed to
the families, and only those families' grammars ever run.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from bootdiag import platforms as registry
from bootdiag.core.cut_messages import find_cut
from bootdiag.core.events import Event, Unparsed
from bootdiag.core.lines import Line, TextBlock, clean_line, iter_blocks, lines_from_text
from bootdiag.core.messages import (
    FAILURE_SAID, FAILURE_WORDS, Catalogue, CatalogueMessage, Hit, UnreadFailure, backtrace_frame, catalogue, completion_trigger, quiet_trigger,
    literal_triggers,
)
from bootdiag.core.numbers import NumberTooLong
from bootdiag.core.parse.deferred import UNMADE, DeferredFamily, families_for_parser
from bootdiag.core.parse.family import Family
from bootdiag.core.parse.reader import RepeatReader
from bootdiag.core.parse.screen import TriggerScreen
from bootdiag.core.parse.unwrap import MIN_GLUED, Unwrapper, is_caption, is_prose, is_sentence, output_follows, quoted_message
from bootdiag.core.parse.wrapped import ROW_AT_WIDTH, joined, rows_apart, wrapped_span



_MAX_MESSAGES_APART = 8  # messages one glued piece is cut into, at most
_MIN_APART = 12  # characters a message cut apart must have
_NOT_CONTINUING = frozenset({"\x1b", "\r", "\n", ""})  # what may follow a line no later row carries on
_WRAPPED_KEPT = 1024  # wrapped lines remembered (the output after the last event is looked for after it)
# A tool's own error lead ("Error: ", "error: ", "FATAL ERROR: "): what follows is its message, however
# much it reads like a sentence ("Error:   × The bootloader does not support this image, see ...").
# (Rust tools print their errors through miette: "Error:   × ".)
_ERROR_LEAD = re.compile(r"(?i)(?:fatal )?error(?:\[\w+\])?:\s+(?:\u00d7\s+)?")
# miette (espflash's reports) prints the error after "  × " on a line of its own, below "Error: <code>".
_MIETTE_MARK = "\u00d7"
# A line a Go tool logged through logrus at a level below warning: its words of failure are what the
# tool tells of a step (a retry, a probe that came back empty), not a failure it reports. logrus's
# TextFormatter (sirupsen/logrus@4981d8161c23:text_formatter.go, printColored) prints the level upper
# case, cut to four letters ("INFO", "DEBU", "TRAC"), then the seconds since start as "[%04d]" or the
# time as "[%s]"; without a terminal it prints key=value pairs (appendKeyValue): "time=\"...\" level=info
# msg=...". Warnings, errors and fatal lines (WARN, ERRO, FATA, PANI) keep counting.
# Tallies: a run of two or more comma-separated name-number pairs ("attempts 7, fails 6, retry 0", "sent: 12,
# errors: 0"), alone or glued among other lines: a failure word there names a counter, and the run
# reports counts, not a failure.
_TALLIES = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z_]{0,30}+[:=]? ?\d{1,12}+(?:, ?[A-Za-z][A-Za-z_]{0,30}+[:=]? ?\d{1,12}+(?![\w.])){1,12}+")
_CALM_LEVEL = re.compile(r"(?:INFO|DEBU|TRAC)\[[^\]\n]{1,40}\] |(?:time=\"[^\"\n]{1,40}\" )?level=(?:info|debug|trace) ")
# a log level's label that ends what comes before a message ("ERROR:   Error initializing runtime service
# trusty_fast", TF-A's level for a message that tells of nothing failing): the level, not a failure glued on
_LEVEL_LABEL_LAST = re.compile(r"(?i)(?:(?<![\w-])(?:error|err|fatal)\s*:|\[\s*(?:error|err|fatal)\s*\])\s*$")
# A printf format that ends with a conversion (its last value takes the rest of a line).
_ENDS_IN_VALUE = re.compile(r"(?<!%)%[-+ #0-9.*lhzjt]*[a-zA-Z]\s*$")
_QUOTE_MARKS = "\"'`\u201c\u2018"
_QUOTE_REACH = 40  # characters between a quote's opening mark and the message it quotes, at most
# A word in lower case right before a message that starts in lower case: the message's words are
# the end of another sentence ("not found waiting for download"), not a line of its own.
_WORD_RUNS_ON = re.compile(r"(?<![^\s])[a-z]+ $")
# A line of output beginning after a message on the same line: a blank, a capitalised word, and a word
# (in lower case, or a name: "Start configuring the camera", "Detecting M5Stack products").
_NEXT_LINE = re.compile(r"(?<![ \t])[ \t]++[A-Z][a-z]{1,20}(?:'[a-z]{1,2})? [A-Za-z]")
# Milestones after which the next stage runs: what follows on their line is that stage's output
# ("image_jump": a jump its platform's family reads in the platform's envelope only).
_HANDING_OVER = frozenset({"handoff", "bootloader_done", "image_jump"})
# Marks with which a writer annotates a log line at its end: their words are no program's output.
_ANNOTATION = ("<-", "<=", "\u2190", "//", "# ")


def runs_on(text: str, start: int) -> bool:
    """Whether the message found at ``start`` continues the lower-case words before it."""
    return text[start : start + 1].islower() and _WORD_RUNS_ON.search(text, 0, start) is not None


def default_families() -> list[Family]:
    """Every registered platform's families, platform by platform (the prose reader's last)."""
    return [family for platform in registry.reading_order() for family in platform.families()]


def message_triggers() -> tuple[str, ...]:
    """What makes the trigger screen hand a line to the message catalogue: the failure words all
    platforms share, the catalogued lines that show a boot completed, and the catalogued failures
    and warnings that say no failure word."""
    return (FAILURE_WORDS, completion_trigger(), quiet_trigger())


@cache
def trigger_screen(triggers: tuple[str, ...], noise: tuple[str, ...] = (), glued: tuple[str, ...] = ()) -> TriggerScreen:
    """One screen per set of triggers, built once (analysing every trigger takes a while) and kept
    in the build cache between runs."""
    from bootdiag.core.cache import cached
    from bootdiag.core.parse import regex_trie, screen

    def build() -> TriggerScreen:
        return TriggerScreen(
            list(triggers), noise="|".join(f"(?:{n})" for n in noise) or None,
            noise_glued="|".join(f"(?:{g})" for g in glued) or None, rows=ROW_AT_WIDTH,
        ).compile_all()

    return cached("screen", [Path(screen.__file__), Path(regex_trie.__file__), "\0".join(triggers), "\0".join(noise), "\0".join(glued),
                             ROW_AT_WIDTH], build)


def _shown_after_colon(text: str) -> str | None:
    """What a sentence shows after its colon when that is a log line saying something failed, not
    more of the sentence ("... then stops at: `mount: mounting /dev/root on /mnt failed: ...`"): a
    paste that lost the newline after a writer's introduction."""
    at = text.find(": ")
    if at < 0 or not is_prose(text[:at]):
        return None
    shown = text[at + 2 :].strip().strip(_QUOTE_MARKS + "\u201d\u2019")
    if not shown or is_sentence(shown) or FAILURE_SAID.search(shown) is None:
        return None
    return shown


def _message_unknown(event: Event) -> bool | None:
    """For a family's generic event, or a grammar's event that names its message by the catalogue
    (``message_id``): whether no catalogue entry knows its message whole. None for any other event."""
    if type(event).generic:
        return True if event.message_id is None else None  # type: ignore[attr-defined]
    if "message_id" not in type(event).value_sets:
        return None
    return event.message_id is None  # type: ignore[attr-defined]


class LineParser:
    """Stateful parser for one capture (families remember e.g. the chip for boot-mode decoding)."""

    def __init__(
        self, families: list[Family] | None = None, reuse_repeats: bool = True, messages: Iterable[str] = (),
    ) -> None:
        """``messages``: catalogue ids the caller's rules read, whose lines the screen must hand over
        even when they carry no failure word."""
        # The families lines are offered to, in order (see deferred.py for those made on first need).
        self._families: list[Any] = list(families) if families is not None else families_for_parser()
        self._deferred = {i: f for i, f in enumerate(self._families) if isinstance(f, DeferredFamily)}
        families = self._families
        # Asked, for a line that repeats an earlier event, whether it still matters to the reader
        # (an analysis: it opens a session, or would change this one's rule state); ``None`` keeps
        # every event.
        self.reader: RepeatReader | None = None
        # Families that recognise a line they have already read, before any cleaning (boot loops).
        self._repeating = [(f, f.repeat, f.repeat_at) for f in families if reuse_repeats and hasattr(f, "repeat")]
        # Those among them that answer for whole shapes of lines the reader said it does not need.
        self._settling = [f for f in families if reuse_repeats and hasattr(f, "settle")]
        self._epoch: int | None = None
        # Those among them shown each line the long way read whole as one event (see Family.learn).
        self._learning = [f.learn for f in families if reuse_repeats and hasattr(f, "learn")]
        # Families told, in line order, of every event the others read (see Family.other_event).
        self._noticing = [f.other_event for f in families if hasattr(f, "other_event")]
        # Those told of output glued after a hand-over on its line (see Family.output_after_handover).
        self._output_noticing = [f.output_after_handover for f in families if hasattr(f, "output_after_handover")]
        noise = tuple(n for f in families if (n := getattr(f, "noise", None)))
        glued = tuple(g for f in families if getattr(f, "noise", None) and (g := getattr(f, "noise_glued", None)))
        self.screen = trigger_screen(
            (*(f.trigger for f in families), *message_triggers(), *literal_triggers(tuple(sorted(set(messages))))), noise,
            glued,
        )
        self.unwrapper = Unwrapper(registry.line_starts(), registry.normalisers(), registry.mid_word_starts())
        # A piece of a glued line that begins as a noise line does is read as the screen reads such
        # a line: output no rule needs, not an event (a paste's newlines do not change the answer).
        self._noise_start = self.screen.noise_regex.match if self.screen.noise_regex is not None else None
        # (line, whether output follows its last event on that line, None when nothing does), for
        # the last line the long way read an event on
        self.output_on_line: tuple[int, bool | None] = (0, None)
        self._wrapped: dict[int, int] = {}  # first line -> last line of a line a terminal wrapped
        # Families that read a line, by whether they may ask for the lines after one (wants_line), and
        # those that may: asked after every line the screen hands over.
        self._asks_lines: dict[Any, bool] = {}
        self._asking: tuple[Any, ...] = ()
        self._canonical = registry.canonical_line

    @property
    def families(self) -> list[Family]:
        """This parser's families, every one made."""
        for family in list(self._families):
            if isinstance(family, DeferredFamily):
                family.made()
        return self._families

    @property
    def catalogue(self) -> Catalogue:
        return catalogue()

    @property
    def prefilter(self) -> re.Pattern[str]:
        """All triggers as one regex (per-line use; blocks go through :attr:`screen`)."""
        return self.screen.combined

    def parse_line(self, text: str, no: int) -> list[Event]:
        """The events of one line (as a block holds it, see :func:`clean_line`): usually one, none
        when no family reads it, several when a paste glued log lines together. A line a terminal
        wrapped comes as its pieces with their line ends (see :meth:`screened`)."""
        if "\n" in text:
            text = joined(text)
        reader = self.reader
        if reader is not None and self._settling and (epoch := reader.repeat_epoch()) != self._epoch:
            self._epoch = epoch
            for settling in self._settling:
                settling.unsettle()
        for family, repeat, repeat_at in self._repeating:
            known = repeat(text)
            if known is not None:
                earlier, place = known
                if place is None:  # of a shape the reader settled: as the line that settled it
                    reader.repeat_counted()  # type: ignore[union-attr]
                    for notice in self._noticing:
                        notice(earlier, no)
                    return []
                # No earlier event: the family must read the line again (its state follows it).
                if reader is not None and earlier is not None and not reader.repeat_wanted(earlier):
                    if (family in self._settling and family.answered_by_shape
                            and reader.repeat_settles(earlier, family.shaped_fields, family.free_fields)):
                        family.settle()
                    for notice in self._noticing:
                        notice(earlier, no)
                    return []
                event = repeat_at(earlier, text, place, no)
                if event is None:
                    return []
                for notice in self._noticing:
                    notice(event, no)
                return [event]
        found = self._parse_new(text, no)
        if len(found) == 1 and self._learning and found[0].text == clean_line(text):
            for learn in self._learning:
                learn(text, found[0])
        return found

    def _parse_new(self, text: str, no: int) -> list[Event]:
        """A line no family has seen the like of: unwrap it (a paste's quoting, glued lines) and
        read each log line it holds."""
        found: list[Event] = []
        trailing: bool | None = None  # what this line shows after its last event (output_follows)
        handed_over = False  # its last event hands over to the next stage
        # (text, which of the lines a terminal showed the line ends of, as pasted: not normalised yet)
        pieces = [
            (piece, n, True)
            for n, shown in enumerate(self.unwrapper.shown_lines(clean_line(text)))
            for piece in self.unwrapper.pieces(shown, as_pasted=True)
        ]
        normalise = self.unwrapper.normalise
        shown_line = -1
        while pieces:
            piece, n, as_pasted = pieces.pop(0)
            several = True  # may hold several messages: each piece, and each part cut from one, is looked at
            pasted = piece  # noise or not as printed ("I BOD: ..." is no "I (0) BOD: ..." line the screen passes over)
            if as_pasted:
                piece = normalise(piece)
            if n != shown_line:  # a line of its own: a sentence before it quotes nothing in it
                shown_line, found_here = n, 0
                after_prose = False  # a sentence came first on this line: what follows it is quoted
                quote_opened = False  # and it ended opening a quote
                opener = ""  # the quote mark a sentence cut off from this line's next piece opened
            if several and len(piece) >= MIN_GLUED:
                parts = self._messages_apart(piece)
                if len(parts) > 1:
                    pieces[:0] = [(part, n, False) for part in parts]
                    continue
                several = False  # looked at whole: one message
            # A whole log line after the sentence (its envelope, no quote mark opening it) is a
            # pasted line whose newline was lost ("... on the RTOS SDK: E (15034) esp_ota_ops: ..."),
            # not words someone quotes.
            if pieces and pieces[0][1] == n and not found_here and piece.rstrip()[-1:] in _QUOTE_MARKS and is_prose(piece):
                # a sentence that opens a quote of the log line cut off after it ("... the logs say:
                # "invalid header: ..."): its words ("error") tell of that line, they are no failure
                after_prose = quote_opened = True
                opener = piece.rstrip()[-1]
                continue
            if opener:  # the quote goes on with the line it opened, so that its closing mark ends it
                piece, opener = (piece if piece[:1] == opener else opener + piece), ""
            quoted = after_prose and (quote_opened or piece[:1] in _QUOTE_MARKS or not self.unwrapper.opens_log_line(piece))
            if (found or pieces) and self._noise_start is not None and self._noise_start(pasted) is not None:
                event = None  # one of several log lines on this line: the others are read
            else:
                event = self._read(piece, no, quoted)
            if several and not quoted and self._may_hold_two(piece, event) and len(parts := self._messages_apart(piece)) > 1:
                pieces[:0] = [(part, n, False) for part in parts]
                continue
            if event is not None:
                found.append(event)
                found_here += 1
                self._notice(event, no)
                # a written report's sentences glued together: a failure one of them quotes is read too
                if not quoted and not type(event).occupies_session and len(piece) >= MIN_GLUED:
                    said = self._quoted_beside(piece, event, no)
                    if said is not None:
                        found.append(said)
                        found_here += 1
                        self._notice(said, no)
                trailing = None
                handed_over = not quoted and event.hands_over()
                if handed_over:
                    # what the line holds after the hand-over's own words is the next stage's output,
                    # which a paste that lost the newline glued on ("*** Booting Zephyr OS ... *** Hello World!")
                    trailing, rest = self._after_handover(piece, event)
                    self._output_after_handover(trailing, rest, no)
            elif not found_here and is_prose(piece) and not self.unwrapper.opens_log_line(piece):
                after_prose, quote_opened = True, piece.rstrip()[-1:] in _QUOTE_MARKS
            elif found and trailing is None:
                # a paste that lost its newlines: the next stage's output may follow on this line
                trailing = output_follows(piece)
                if handed_over:
                    self._output_after_handover(trailing, piece, no)
        if found:
            self.output_on_line = (no, trailing)
        return found

    def _output_after_handover(self, shows: bool | None, text: str, no: int) -> None:
        """Tell the families that output (``text``) followed a hand-over on line ``no``, as soon as it
        is read: a later piece of the line may be the next boot's banner. A writer's elision ("...",
        "[...]") holds no word of output."""
        if shows and any(c.isalnum() for c in text):
            for notice in self._output_noticing:
                notice(no)

    def _after_handover(self, piece: str, event: Event) -> tuple[bool | None, str]:
        """Whether output follows the event that hands over within its own ``piece`` (None: nothing
        does, or the line's writer annotates it: "<-- hangs here", "// stops"), and what of the piece
        follows it."""
        said = event.text
        at = piece.find(said) if said else -1
        rest = piece[at + len(said) :].strip() if at >= 0 else ""
        if not rest and type(event) is CatalogueMessage:
            # a family that read the whole line as the message: its catalogued text says where it ends
            m = self.catalogue.by_id[event.message].pattern.search(piece)
            rest = piece[m.end() :].strip() if m is not None and m.end() < len(piece) and piece[m.end()] in " \t" else ""
        if not rest or rest.startswith(_ANNOTATION):
            return None, rest
        return output_follows(rest), rest

    def _notice(self, event: Event, no: int) -> None:
        for notice in self._noticing:
            notice(event, no)

    def _may_hold_two(self, piece: str, event: Event | None) -> bool:
        """Whether a short line read as one message may hold two (a tool's bare line glued after an
        enveloped one): read only by the catalogue, or read as no failure while the most specific
        catalogued message in it is a failure or warning (``Starting bootloader ***** BUS FAULT *****``).
        Looked at only then: the cut itself costs a few catalogue look-ups."""
        if event is None:
            return False
        if type(event) is CatalogueMessage:
            return True
        if len(piece) < 2 * _MIN_APART:
            return False
        hit = self.catalogue.find(piece)
        if hit is None:
            return False
        if event.is_failure():
            # a failure's line, and the next line glued after its message? Or a failure read as told of
            # (weak) for the words before its message, which may be a line of their own
            return self._line_after(piece, hit) or (hit.start > 0 and event.is_weak())
        if self._hands_over_before_end(piece, hit):
            return True  # a message that hands over, and words after it
        if not hit.start:
            return False
        if hit.known.severity in ("failure", "warning"):
            return True
        # the line's own message, and after it words it does not print: another message?
        following = self._message_after(piece, hit)[1] if hit.end >= 0 else None
        return following is not None and following.known.severity in ("failure", "warning")

    def _quoted_beside(self, text: str, event: Event, no: int) -> Event | None:
        """A failure or warning a sentence quotes on a line a written report's family read for
        something else in it (a setting it names, a command): a post whose sentences lost their
        newlines ("... you can see the line: CONFIG_X=256 That will result in "<message>" upon boot.").
        Read as the quoted message, as on a line of its own."""
        hit = self.catalogue.find(text)
        if hit is None or hit.known.severity not in ("failure", "warning") or hit.known.id in getattr(event, "messages", ()):
            return None
        opened = max(text.rfind(mark, 0, hit.start) for mark in _QUOTE_MARKS)
        if opened < 0 or hit.start - opened > _QUOTE_REACH or not is_prose(text[:opened]):
            return None
        said = quoted_message(text, opened + 1)
        if opened + 1 + len(said) <= hit.start:
            return None  # the quote closed before the message: it quotes something else
        return self._said(Hit(hit.known, 0, hit.fields), said, text, no)

    def _hands_over_before_end(self, piece: str, hit: Hit) -> bool:
        """Whether ``hit`` is a message that hands over to the next stage and more follows it on the
        line, after a blank (a paste that lost the newline before the next stage's output)."""
        return (hit.known.milestone in _HANDING_OVER and 0 <= hit.end < len(piece) and piece[hit.end] in " \t"
                and not piece[hit.end :].lstrip().startswith(_ANNOTATION)
                and (not hit.start or self.unwrapper.opens_log_line(piece)))  # the line opens with it, or with an envelope

    @staticmethod
    def _line_after(piece: str, hit: Hit) -> bool:
        """Whether a catalogued failure or warning ends before ``piece`` does, and what follows it
        begins the way a line of output does, a capitalised word and then another
        ("PSRAM ID read error: 0xffffffff Start configuring the camera...")."""
        return (hit.known.severity in ("failure", "warning") and 0 <= hit.end and len(piece) - hit.end >= _MIN_APART
                and _NEXT_LINE.match(piece, hit.end) is not None)

    def _message_after(self, piece: str, hit: Hit) -> tuple[str, Hit | None]:
        """What follows ``hit`` in ``piece`` (the separating blanks and marks taken off), and the
        catalogued message that begins it, if one does."""
        rest = piece[hit.end :]
        after = rest.lstrip(" .;,")
        if len(after) >= _MIN_APART:
            following = self.catalogue.find(after)
        elif after and "." in rest[: len(rest) - len(after)]:
            # a progress line's dots, then a short failure printed on the same line ("Waiting for
            # device to expose ssh ......Timeout": printf without a newline, then echo)
            following = self.catalogue.find(after)
            if following is not None and following.known.severity not in ("failure", "warning"):
                following = None
        else:
            following = None
        return after, following if following is not None and not following.start else None

    def _messages_apart(self, piece: str) -> list[str]:
        """``piece`` cut where one catalogued message ends and another begins right after it: a
        tool's lines that begin with no envelope, glued when a paste lost their newlines
        ("... using GPIO0. esptool.py can not exit the download mode over USB. To run the app, ...")."""
        parts: list[str] = []
        for _ in range(_MAX_MESSAGES_APART):
            hit = self.catalogue.find(piece)
            if hit is None or hit.end < 0:
                break
            if hit.start > 0:  # a message before the most specific one?
                before = piece[: hit.start].rstrip()
                first = self.catalogue.find(before) if len(before) >= _MIN_APART else None
                if first is not None and not is_prose(before[: first.start]):
                    if first.end == len(before):
                        parts.append(before)
                        piece = piece[hit.start :]
                        continue
                    # messages of their own before it, the last of them right before it ("jump to run
                    # user2 @ 81000 error magic! backup boot failed.")
                    apart = self._messages_apart(before)
                    last = self.catalogue.find(apart[-1]) if len(apart) > 1 else None
                    if last is not None and not last.start and last.end == len(apart[-1]):
                        parts.extend(apart)
                        piece = piece[hit.start :]
                        continue
            after, following = self._message_after(piece, hit)
            if following is None:
                if (self._hands_over_before_end(piece, hit) and len(after) >= _MIN_APART // 2) or self._line_after(piece, hit):
                    # the next stage's output, glued after the message that handed over to it; or the
                    # next line of output after a failure, which begins as a line does
                    parts.append(piece[: hit.end].rstrip())
                    piece = after
                break
            parts.append(piece[: hit.end].rstrip())
            piece = after
        parts.append(piece)
        return parts

    def claimed_by(self, family: str, text: str) -> bool:
        """Whether the family named ``family`` (one a line already reached) claims a line of ``text``."""
        return any(getattr(f, "name", None) == family and f.claims(text) for f in self._families)

    def _offer(self, text: str, no: int) -> Event | None:
        for family in self._families:
            if family.claims(text):
                try:
                    event = family.parse(text, no)
                except NumberTooLong:
                    continue  # a number no log prints: not this family's message
                if family not in self._asks_lines:
                    self._note_asking(family)
                if event is not None:
                    return event
        return None

    def _note_asking(self, family: Family) -> None:
        """Remember whether ``family``, which just read a line, may ask for the next ones (``wants_line``):
        only those are asked after each line, and a capture of another platform has none."""
        made = family.made() if isinstance(family, DeferredFamily) else family
        self._asks_lines[family] = hasattr(made, "wants_line")
        if self._asks_lines[family] and made not in self._asking:
            self._asking = (*self._asking, made)

    def _read(self, text: str, no: int, quoted: bool = False) -> Event | None:
        """The most specific event for one log line: a family's own, else the catalogue's.

        A message a family does not know in detail (its generic event), or that stands without
        the envelope its family needs, is looked up in the message catalogue: the generic event
        then carries the message's id, and a bare message is offered again in its platform's own
        envelope, so that it reads as if it had been printed whole. A message quoted in a sentence
        (``quoted``, or a sentence before it on the line) is only what someone says happened: it
        becomes a quoted catalogue message when it tells of a failure or a warning, and nothing else.
        """
        if not quoted and (frame := backtrace_frame(text, no)) is not None:
            # a decoder's frame: a function's name, its arguments and its file, whatever words they hold
            return frame
        event = None if quoted else self._offer(text, no)
        if event is not None and event.is_failure() and (unknown := _message_unknown(event)) is not None:
            # an envelope whose message no catalogue entry knows whole; a grammar's failure line whose
            # message is cut short, or whose last value is a message cut short (esptool's "A fatal
            # error occurred: Failed to connect to ESP32: Timed out waiting for packet heade")
            cut = self._cut_short(text, no, in_value=not unknown, finished=not type(event).generic)
            if cut is not None:
                return cut
        if event is not None and (type(event).occupies_session or is_sentence(text)):
            return event
        hit = self.catalogue.find(text)
        if hit is None and event is None and not quoted:
            hit = self._retyped(text)
            if hit is None:
                cut = self._cut_short(text, no, bare=True)  # a bare message, cut short
                if cut is not None:
                    return cut
        if event is not None and (hit is None or hit.start) and not self._failure_beside(hit, text, no):
            return event  # words of a written report
        # else a written report's family took a bare log message for prose: read it as the message
        event = None
        if hit is None:
            said = self._quoted_cut(text, no)  # a sentence quoting the first words of a message
            if said is not None:
                return said
            if (not quoted and FAILURE_SAID.search(text) and _CALM_LEVEL.match(text) is None and not is_caption(text)
                    and FAILURE_SAID.search(_TALLIES.sub(" ", text))):
                if _ERROR_LEAD.match(text) or not is_sentence(text):
                    return UnreadFailure.trusted(line=no, text=text)
                shown = _shown_after_colon(text)
                if shown is not None:  # someone's sentence, then the line it shows
                    return UnreadFailure.trusted(line=no, text=shown, quoted=True)
            return None
        known = hit.known
        if quoted or (event is None and hit.start and (is_prose(text[:hit.start]) or runs_on(text, hit.start))):
            if known.severity not in ("failure", "warning"):
                return None
            # Read as its platform would print it: a failure keeps its own event (and the rules
            # about it), marked quoted. Only failures: a quoted "flash done" shows nothing completed.
            # a sentence, then the log line it shows after its colon: the evidence is that line
            shown = None if quoted else _shown_after_colon(text)
            return self._said(Hit(known, 0, hit.fields), quoted_message(text, hit.start), shown or text, no)
        canonical = self._canonical(hit, text)
        if canonical is not None and canonical != text:
            again = self._offer(canonical, no)
            if again is not None and type(again).occupies_session:
                return again.moved(no, text)
        if known.severity not in ("failure", "warning") and self._failure_glued(hit, text):
            return UnreadFailure.trusted(line=no, text=text)
        return CatalogueMessage.trusted(
            line=no, text=text, platform=known.platform, message=known.id, severity=known.severity, values=hit.fields,
        )

    def _retyped(self, text: str) -> Hit | None:
        """A failure or warning message someone retyped in lower case (or a tool lowered): the whole
        line is in lower case, and the message, its case aside, runs to the line's end from its start
        or after an error's lead ("fatal error: required program nrfjprog not found; ..."). Only then:
        words of a message inside a lower-case sentence stay someone's sentence."""
        if not text.islower():
            return None
        hit = self.catalogue.find_retyped(text)
        if hit is None or hit.known.severity not in ("failure", "warning") or text[hit.end :].strip(" \t.!"):
            return None
        return hit if not hit.start or _ERROR_LEAD.fullmatch(text, 0, hit.start) else None

    def _failure_glued(self, hit: Hit, text: str) -> bool:
        """Words of a failure no catalogue entry knows on the line of a message that tells of none,
        before or after it: a paste that lost the newline between a tool's last progress line and its
        error ("Running stub... Error: Timeout Compressed 2209028 bytes to ..."). The failure is what
        the line shows. (A catalogued failure beside it is cut apart and read on its own.)"""
        if _CALM_LEVEL.match(text) is not None:
            return False
        for part in (_LEVEL_LABEL_LAST.sub("", text[: hit.start]), text[hit.end :] if hit.end >= 0 else ""):
            if FAILURE_SAID.search(part) is None:
                continue
            known = self.catalogue.find(part.lstrip(" .;,").rstrip())
            if known is None or known.known.severity not in ("failure", "warning"):
                return True
        return False

    def _quoted_cut(self, text: str, no: int) -> Event | None:
        """A failure a sentence quotes by its first words only (`... the upload stops with "<the
        message's first clause>".`): the quote marks close a message the catalogue finishes one way.
        Read as that message, quoted: what someone says happened, like a whole quoted message."""
        for opener, closing in (('"', '"'), ("'", "'"), ("\u201c", "\u201d")):
            start = text.find(opener) + 1
            if start <= 0 or (start > 1 and not is_prose(text[: start - 1])):
                continue
            end = text.find(closing, start)
            if end <= start:
                continue  # no closing mark: not a quote this line closes
            said = text[start:end]
            cut = find_cut(self.catalogue, said)
            if cut is None or cut.hit.start or cut.rest is None or cut.hit.known.severity not in ("failure", "warning"):
                continue
            return self._said(cut.hit, said + cut.rest, text, no)
        return None

    def _said(self, hit: Hit, said: str, text: str, no: int) -> Event:
        """A failure someone quotes (``said``, the message from its first character) on line ``text``:
        read as its platform would print it, so that it keeps its own event and the rules about it,
        marked quoted; else the catalogue's message, quoted."""
        again = self._offer(self._canonical(hit, said) or said, no)
        # (a family's generic event that knows no message id says less than the catalogue's)
        if again is not None and again.is_failure() and not again.is_weak() and not (type(again).generic and again.message_id is None):
            return again.moved(no, text, quoted=True)
        known = hit.known
        return CatalogueMessage.trusted(
            line=no, text=text, platform=known.platform, message=known.id, severity=known.severity,
            values=hit.fields, quoted=True,
        )

    def _failure_beside(self, hit: Hit | None, text: str, no: int) -> bool:
        """A catalogued failure on a line a written report's family read for something else on it
        (a tool's failure glued to the command line or usage line before it): the line is still read
        without the failure, and no sentence or opening quote leads into it. The failure is the log's."""
        if hit is None or hit.known.severity != "failure" or hit.end < 0:
            return False
        before = text[: hit.start].rstrip()
        if is_prose(before) or before[-1:] in _QUOTE_MARKS:
            return False
        return self._offer(f"{before} {text[hit.end:]}", no) is not None

    def _cut_short(self, text: str, no: int, bare: bool = False, in_value: bool = False, finished: bool = False) -> Event | None:
        """A failure line cut short (a paste that stops mid-line): read as the message it begins,
        finished with the format's own words when no value is missing, else as that message.
        ``bare``: no envelope was read, so the message must open the line (words before it are
        someone's sentence). ``in_value``: the message is known whole, so only a cut in its last
        value, which is a message of its own, is one. ``finished``: only a cut the format's words
        finish (a grammar's own event says more than the catalogue's message)."""
        cut = find_cut(self.catalogue, text)
        if (cut is None or cut.hit.known.severity not in ("failure", "warning") or (in_value and cut.inner is None)
                or (finished and cut.rest is None)):
            return None
        lead = text[: cut.hit.start]
        if lead and (is_prose(lead) or bare and not (_ERROR_LEAD.fullmatch(lead) or lead.strip() == _MIETTE_MARK)):
            return None
        if cut.rest is not None:
            whole = text.rstrip() + cut.rest
            # as it stands (its own envelope), else as its platform prints it (a bare message)
            for line in (whole, self._canonical(cut.hit, whole)):
                again = self._offer(line, no) if line else None
                if again is not None and type(again).occupies_session and not type(again).generic:
                    # the message as the line has it, cut short: evidence quotes what was printed;
                    # a value that is a message of its own keeps its words whole (rules read them)
                    said = {name: value[: -len(cut.rest)] for name, value in again.__dict__.items()
                            if name != "text" and isinstance(value, str) and value.endswith(cut.rest)
                            and text.rstrip().endswith(value[: -len(cut.rest)])} if cut.inner is None else {}
                    return again.moved(no, text, cut_short=True, **said)
        known = cut.hit.known
        return CatalogueMessage.trusted(
            line=no, text=text, platform=known.platform, message=known.id, severity=known.severity, values=cut.hit.fields,
            cut_short=True,
        )

    def screened(self, text: str, pos: int = 0, no: int = 1) -> Iterator[tuple[int, int, int]]:
        """``(number, start, end)`` of every line of a block's ``text`` from ``pos`` (the start of
        line ``no``) on that the screen hands over."""
        count = text.count
        # the value a family asked for (``wants_line``) opens this block: the block before ended
        # with the line that named it
        for no, start, end in self._asked_lines(text, pos, no):
            yield no, start, end
            pos, no = end + 1, no + 1
        floor = pos  # lines before it were read (or passed over): a wrapped line starts no earlier
        for start, end in self.screen.line_spans(text, pos, follows_line=no > 1, wrapped_end=self._wrapped_end):
            if start < floor:
                continue  # a row of a wrapped line already read whole
            row = start, end
            # A line in the device's colours, before another such line or a blank one, is no
            # terminal's wrapped row and continues none (wrapped_span's own first tests, made here:
            # most lines an application prints are such).
            if text[start] != "\x1b" or text[end + 1 : end + 2] not in _NOT_CONTINUING:
                start, end = wrapped_span(text, start, end, floor, self.unwrapper.opens_log_line, self._message_goes_on)
            no += count("\n", pos, start)
            pos = start
            floor = end + 1
            if (start, end) != row:  # rows a terminal wrapped: the line ends on a later one
                if len(self._wrapped) >= _WRAPPED_KEPT:
                    self._wrapped.clear()
                self._wrapped[no] = no + count("\n", start, end)
            yield no, start, end
            # A family that read a line whose value the next line holds alone (a file's name, then
            # its contents: ``cat`` or ``head`` over sysfs files) is handed that line, which no
            # trigger finds: a bare number.
            if self._asking and end < len(text):
                for no, start, end in self._asked_lines(text, end + 1, no + 1):
                    pos, floor = start, end + 1
                    yield no, start, end

    def _asked_lines(self, text: str, start: int, no: int) -> Iterator[tuple[int, int, int]]:
        """``(number, start, end)`` of the lines from ``start`` (line ``no``) on, for as long as a
        family asks for the next one (``wants_line``)."""
        while self._asking and start <= len(text) and self._wants_next(no):
            end = text.find("\n", start)
            if end < 0:
                end = len(text)
            yield no, start, end
            start, no = end + 1, no + 1

    def _wants_next(self, no: int) -> bool:
        """Whether a family asks for line ``no`` (see ``Family.wants_line``)."""
        return any(f.wants_line(no) for f in self._asking)

    def _wrapped_end(self, text: str, start: int, end: int) -> int:
        """Where the line that begins with the row ``start:end`` ends (a terminal may have wrapped it):
        the screen joins a wrapped line's rows before it looks for triggers in them."""
        return wrapped_span(text, start, end, start, self.unwrapper.opens_log_line, self._message_goes_on)[1]

    def _message_goes_on(self, row: str, following: str) -> bool:
        """Whether a catalogued message begins on ``row`` and goes on past the first word of
        ``following`` (one line broken in two before a word that looks like a line's first): that
        word is one of the message's own words, or the message ends with words of its own after it,
        not with a value, which could take in any next line."""
        hit = self.catalogue.find(f"{row} {following}")
        if hit is None or not hit.start < len(row) < hit.end:
            return False
        word = following.split(None, 1)[0]
        if hit.end < len(row) + 1 + len(word):
            return False
        fmt = hit.known.format
        return word in fmt.split() or _ENDS_IN_VALUE.search(fmt) is None

    def rows_apart(self, before: str, row: str) -> bool:
        """Whether this parser never reads ``row`` as going on from the row ``before`` it (see
        :func:`wrapped.rows_apart`): a line splitter may end a block between them."""
        return rows_apart(before, row, self.unwrapper.opens_log_line)

    def last_line_of(self, no: int) -> int:
        """The last line of the line that begins at line ``no``: itself, unless a terminal wrapped it."""
        return self._wrapped.get(no, no)

    def events_in_block(self, block: TextBlock) -> Iterator[Event]:
        parse_line = self.parse_line
        text = block.text
        for no, start, end in self.screened(text, 0, block.first_no):
            yield from parse_line(text[start:end], no)

    # ------------------------------------------------------------ repeated sessions
    @property
    def remembers(self) -> bool:
        """Whether every family can say what it remembers (:meth:`state`): only then can a session
        that repeats an earlier one be counted without reading its lines."""
        return all(
            f.remembers if isinstance(f, DeferredFamily) else hasattr(f, "state") and hasattr(f, "restore")
            for f in self._families
        )

    def state(self, no: int) -> tuple[object, ...]:
        """What the families remember at line ``no`` that changes how they read later lines, line
        numbers as distances back from ``no``: equal states read equal lines alike."""
        return tuple(f.state(no) for f in self._families)

    def restore(self, state: tuple[object, ...], no: int) -> None:
        """Put back a :meth:`state`, taken elsewhere, at line ``no``."""
        for i, remembered in enumerate(state):
            family = self._families[i]  # (a deferred family made here puts its platform's others in place)
            if remembered == UNMADE and not isinstance(family, DeferredFamily):
                self._families[i] = self._deferred[i].made_anew()  # made since: back to as no line reached it
            else:
                family.restore(remembered, no)

    @cached_property
    def volatile(self) -> tuple[re.Pattern[str], ...]:
        """The families' patterns for parts of a line that change between two printings of the
        same message and that nothing but the event's time depends on (a timestamp)."""
        return tuple(re.compile(v, re.MULTILINE) for f in self._families if (v := getattr(f, "volatile", None)))

    def events(self, blocks: Iterable[TextBlock]) -> Iterator[Event]:
        for block in blocks:
            yield from self.events_in_block(block)

    def all_lines(self, lines: Iterable[Line]) -> Iterator[Event]:
        """Every line as an event, unclaimed ones as :class:`Unparsed` (for grammar work)."""
        for line in lines:
            events = self.parse_line(line.text, line.no) if self.prefilter.search(line.text) else []
            yield from events or [Unparsed(line=line.no, text=line.text)]


def parse_text(text: str) -> list[Event]:
    """All events of an in-memory capture (convenience for the Python API and tests)."""
    parser = LineParser()
    return list(parser.events(iter_blocks([text.encode("utf-8", "surrogatepass")], apart=parser.rows_apart)))


__all__ = ["LineParser", "parse_text", "lines_from_text", "default_families"]
