"""ESP-IDF log lines -> events (message grammar: grammars/esp_idf.lark).

The envelope ``<L> (<stamp>) <tag>: <message>`` is one regular expression; the message of a
line from a boot-relevant tag (or any error/warning) is parsed by the grammar, cached by text,
since boot loops repeat the same messages.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.parse.lalr import Token, Transformer

from bootdiag.core.events import Event
from bootdiag.platforms.esp import events as ev
from bootdiag.core.parse.family import compile_trigger, hex_int, int_auto
from bootdiag.core.parse.grammar import parse_and_transform
from bootdiag.core.parse.regex_trie import alternation
from bootdiag.core.numbers import NumberTooLong, parse_int
from bootdiag.core.rules.digit_blind import ZERO_DIGITS, digits_alike

Parsed = tuple[type[Event], dict[str, Any]]

ENVELOPE = re.compile(
    r"(?P<level>[EWIDV]) \((?P<stamp>\d+|\d\d:\d\d:\d\d\.\d+)\) (?P<tag>[A-Za-z0-9_.\-/]+): ?(?P<msg>.*)"
)
# The same on a line as it arrives, in IDF's colours (log.h LOG_COLOR_x, LOG_RESET_COLOR); a message
# with trailing blanks or colour inside does not match and is read the long way.
_RAW_ENVELOPE = re.compile(
    r"(?:\x1b\[0;3[123]m)?(?P<level>[EWIDV]) \((?P<stamp>\d+|\d\d:\d\d:\d\d\.\d+)\) (?P<tag>[A-Za-z0-9_.\-/]+): ?"
    r"(?P<msg>[^\x1b\r\n]*+)(?:\x1b\[0m)?\r?\Z"
)
# IDF panic handler and heap checker (esp_system/panic.c, heap/multi_heap.c): no envelope. FreeRTOS's
# overflow hook (freertos port.c vApplicationStackOverflowHook) prints "***ERROR*** A stack overflow in
# task ..." while the chip aborts: a monitor that catches up late loses its first characters.
PANIC = re.compile(
    r"Guru Meditation Error.*|abort\(\) was called at PC.*|CORRUPT HEAP:.*|assert failed:.*"
    r"|\**E?RROR\*\*\* A stack overflow.*|Brownout detector was triggered"
)
# Tags whose informational lines carry boot facts; other tags reach the grammar only at E/W level.
# ((plain start, "", regex after it): written as a trie of their starts, which the screen tests on
# every informational line)
_BOOT_TAGS = [
    ("boot", "", r"(?:\.esp32\w*|_comm)?"), ("esp_image", "", ""), ("esp_ota_ops", "", ""), ("efuse", "", ""),
    ("secure_boot", "", r"\w*"), ("flash_encrypt", "", ""), ("flash_parts", "", ""), ("cpu_start", "", ""),
    ("main_task", "", ""), ("app_init", "", ""), ("app_start", "", ""),
    # the app writing an update (components/esp_https_ota/src/esp_https_ota.c, esp_https_ota_begin:
    # "Writing to partition subtype %d at offset 0x%" PRIx32, v5.x): a slot the next boot finds empty
    # was meant to hold it
    ("esp_https_ota", "", ""),
]
_BOOT_TAG_PATTERN = alternation(_BOOT_TAGS)
# The informational lines the screen hands over: those, and the start-up lines MCUboot's Espressif
# port prints in this envelope (soc_init, flash_init), which the MCUboot platform reads.
_HANDED_OVER_TAG_PATTERN = alternation([*_BOOT_TAGS, ("soc_init", "", ""), ("flash_init", "", "")])
_TYPED_TAGS = re.compile(_BOOT_TAG_PATTERN)
# The ESP32 PSRAM driver names the chip package at start-up (esp_psram/esp32/esp_psram_impl_quad.c,
# v4.4 spiram_psram.c): it tells a module without PSRAM from one with PSRAM inside the chip.
_PSRAM_PACKAGE = r"(?:quad_psram|psram): This chip is "
_CLOCK_STAMP = re.compile(r"\d\d:\d\d:\d\d\.\d+")  # the envelope's other stamp: a clock time
_SEEN_SIZE = 4096  # distinct messages remembered per capture


def _is_stamp(stamp: str) -> bool:
    """Whether ``stamp`` (between the envelope's parentheses) is one the envelope regex takes."""
    return stamp.isdigit() or _CLOCK_STAMP.fullmatch(stamp) is not None


def _template_key(lead: str, tag: str, tail: str) -> tuple[str, str, bytes]:
    """A line's shape: what comes before its stamp, its tag, and what follows the stamp with every
    digit 0 (as rules' patterns blind to digits read it: two lines of one shape are judged alike by
    such patterns)."""
    return lead, tag, digits_alike(tail)


_PARTITION_USAGE = {"factory": "factory", "test": "test", "ota": "ota"}


class _IdfTransformer(Transformer):
    def bootloader_start(self, items: list[Token]) -> Parsed:
        return ev.BootloaderStart, {"idf_version": str(items[0])}

    def chip_revision(self, items: list[Token]) -> Parsed:
        return ev.ChipRevision, {"revision": str(items[0])}

    def flash_config(self, items: list[Token]) -> Parsed:
        setting = str(items[0]).split()[-1].lower()  # Speed | Mode | Size
        return ev.BootFlashConfig, {"setting": setting, "value": str(items[1]).strip()}

    def partition_entry(self, items: list[Token]) -> Parsed:
        index, label, usage, ptype, subtype, offset, length = items
        return ev.PartitionEntry, {
            "index": parse_int(index), "label": str(label), "usage": str(usage).strip(),
            "type": hex_int(ptype), "subtype": hex_int(subtype), "offset": hex_int(offset), "length": hex_int(length),
        }

    def segment(self, items: list[Token]) -> Parsed:
        index, paddr, vaddr, size, _decimal, *mapping = items
        return ev.ImageSegment, {
            "index": parse_int(index), "paddr": hex_int(paddr), "vaddr": hex_int(vaddr), "size": hex_int(size),
            "mapping": str(mapping[0]) if mapping else None,
        }

    def verifying_signature(self, _: list[Token]) -> Parsed:
        return ev.ImageVerifyingSignature, {}

    def sb_not_enabled_yet(self, _: list[Token]) -> Parsed:
        return ev.SecureBootNotEnabledYet, {}

    def verifying_with(self, items: list[Token]) -> Parsed:
        return ev.SecureBootVerifyingWith, {"scheme": str(items[0])}

    def signature_verified(self, _: list[Token]) -> Parsed:
        return ev.SignatureVerified, {}

    def sbv2_verify_failed(self, _: list[Token]) -> Parsed:
        return ev.SecureBootV2VerifyFailed, {}

    def image_signature_failed(self, _: list[Token]) -> Parsed:
        return ev.ImageSignatureFailed, {}

    def image_hash_failed(self, _: list[Token]) -> Parsed:
        return ev.ImageHashFailed, {}

    def image_corrupted(self, _: list[Token]) -> Parsed:
        return ev.ImageCorrupted, {}

    def signature_bad(self, _: list[Token]) -> Parsed:
        return ev.ImageSignatureBad, {}

    def v1_bad_version(self, items: list[Token]) -> Parsed:
        return ev.SecureBootV1BadVersion, {"value": hex_int(items[0].removeprefix("0x"))}

    def v1_result(self, items: list[Token]) -> Parsed:
        return ev.SecureBootV1Result, {"result": parse_int(items[0])}

    def key_mismatch(self, items: list[Token]) -> Parsed:
        return ev.SecureBootKeyMismatch, {"detail": " ".join(str(i) for i in items if i)}

    def scheme_mismatch(self, items: list[Token]) -> Parsed:
        return ev.SecureBootSchemeMismatch, {"detail": str(items[0])}

    def sb_enabling_v2(self, _: list[Token]) -> Parsed:
        return ev.SecureBootEnabling, {"version": 2}

    def sb_enabling_v1(self, _: list[Token]) -> Parsed:
        return ev.SecureBootEnabling, {"version": 1}

    def sb_already_enabled(self, _: list[Token]) -> Parsed:
        return ev.SecureBootAlreadyEnabled, {}

    def sb_enabled(self, _: list[Token]) -> Parsed:
        return ev.SecureBootEnabled, {}

    def bootloader_invalid(self, items: list[Token]) -> Parsed:
        return ev.BootloaderImageInvalid, {"error": parse_int(items[0])}

    def sb_enable_failed(self, items: list[Token]) -> Parsed:
        return ev.SecureBootEnableFailed, {"error": parse_int(items[0])}

    def invalid_magic(self, items: list[Token]) -> Parsed:
        return ev.InvalidMagicByte, {"address": int_auto(items[0])}

    def invalid_spi(self, items: list[Token]) -> Parsed:
        return ev.InvalidSpiParameter, {"address": int_auto(items[0]), "parameter": str(items[1]), "value": parse_int(items[2])}

    def image_too_large(self, items: list[Token]) -> Parsed:
        return ev.ImageTooLarge, {"image_length": parse_int(items[0]), "partition_length": parse_int(items[1])}

    def checksum_failed(self, items: list[Token]) -> Parsed:
        return ev.ChecksumFailed, {"calculated": int_auto(items[0]), "expected": int_auto(items[1])}

    def chip_mismatch(self, items: list[Token]) -> Parsed:
        return ev.ChipMismatch, {"detail": " ".join(str(i) for i in items if i)}

    def not_bootable(self, items: list[Token | None]) -> Parsed:
        kind, slot = items
        partition = "test" if "test" in kind else ("factory" if kind == "Factory" else "ota")
        return ev.PartitionNotBootable, {"partition": partition, "slot": parse_int(slot) if slot else None}

    def no_bootable(self, _: list[Token]) -> Parsed:
        return ev.NoBootablePartition, {}

    def app_loaded(self, items: list[Token]) -> Parsed:
        return ev.AppLoaded, {"offset": int_auto(items[0])}

    def boot_selection(self, items: list[Token]) -> Parsed:
        return ev.BootSelection, {"detail": " ".join(str(i) for i in items if i)}

    def _pt(self, problem: str) -> Parsed:
        return ev.PartitionTableError, {"problem": problem}

    def pt_unverified(self, _: list[Token]) -> Parsed:
        return self._pt("unverified")

    def pt_load_error(self, _: list[Token]) -> Parsed:
        return self._pt("load_error")

    def pt_bad_magic(self, _: list[Token]) -> Parsed:
        return self._pt("bad_magic")

    def pt_unterminated(self, _: list[Token]) -> Parsed:
        return self._pt("unterminated")

    def pt_bad_md5(self, _: list[Token]) -> Parsed:
        return self._pt("bad_md5")

    def partition_beyond_flash(self, items: list[Token]) -> Parsed:
        index, offset, size, flash = items
        return ev.PartitionBeyondFlash, {
            "index": parse_int(index), "offset": int_auto(offset), "size": int_auto(size), "flash_size": int_auto(flash),
        }

    def fe_enabled(self, items: list[Token]) -> Parsed:
        return ev.FlashEncryptionEnabled, {"plaintext_flashes_left": parse_int(items[0])}

    def fe_progress(self, items: list[Token]) -> Parsed:
        return ev.FlashEncryptionProgress, {"detail": " ".join(str(i) for i in items if i)}

    def fe_mode(self, items: list[Token]) -> Parsed:
        return ev.FlashEncryptionMode, {"mode": str(items[0])}

    def fe_error(self, items: list[Token]) -> Parsed:
        return ev.FlashEncryptionError, {"detail": " ".join(str(i) for i in items if i)}

    def app_started(self, items: list[Token]) -> Parsed:
        return ev.AppStarted, {"detail": str(items[0])}


_TRANSFORMER = _IdfTransformer()


@lru_cache(maxsize=8192)
def parse_message(msg: str) -> Parsed | None:
    return parse_and_transform("esp_idf", "message", msg, _TRANSFORMER.transform)


def stamp_to_ms(stamp: str) -> int:
    if ":" not in stamp:
        return parse_int(stamp)
    hours, minutes, seconds = stamp.split(":")
    return int((parse_int(hours) * 3600 + parse_int(minutes) * 60 + float(seconds)) * 1000)  # HH:MM:SS.f, bounded


class EspIdfFamily:
    name = "esp-idf"
    trigger = compile_trigger(
        r"[EW] \([\d:.]+\) ",
        rf"[IDV] \([\d:.]+\) (?:{_BOOT_TAG_PATTERN})[:.]",
        rf"[IDV] \([\d:.]+\) {_PSRAM_PACKAGE}",
        # a boot line pasted without its level letter ("(84) boot: SPI Mode : QIO")
        rf"(?<![EWIDV] )\(\d+\) (?:{_BOOT_TAG_PATTERN})[:.]",
        rf"(?<![EWIDV] )\(\d+\) {_PSRAM_PACKAGE}",
        PANIC.pattern,
    )

    # Informational lines of other tags (the application's own), with IDF's green for I (log.h
    # LOG_COLOR_I "\033[0;32m"; D and V have none): the screen passes over them. Lines behind a
    # host timestamp or in other colours are still screened.
    # (The colour as one branch, not an optional group, and ASCII digits, not \d, which looks each
    # character up in the Unicode tables: the cheaper tests, on every such line.)
    noise = (
        rf"(?:\x1b\[0;32m[IDV]|[IDV]) \((?:[0-9]++|[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]++)\) "
        rf"(?!(?:{_HANDED_OVER_TAG_PATTERN})[:.]|{_PSRAM_PACKAGE})"
    )
    # Inside such a line, the start of another one glued on (a paste that lost its newlines): the
    # ROM's upper-case reset reason "(POWERON_RESET)", or an IDF stamp "L (123) " that is not the
    # line's own (that one follows the newline or the green's "m"). Both begin at "(", which the
    # search skips to.
    noise_glued = r"\((?:[A-Z][A-Z0-9_]*+\)|(?<=[^\nm][EWIDV] \()(?:\d++|\d\d:\d\d:\d\d\.\d++)\) )"

    # Two printings of one message differ in their stamp, and no rule reads the time (``ms``). The
    # opening parenthesis first lets the regex engine skip to it.
    volatile = (
        r"\((?:(?<=^[EWIDV] \()|(?<=^\x1b\[0;3[123]m[EWIDV] \())(?:\d++|\d\d:\d\d:\d\d\.\d++)(?=\) )"
    )

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], Event] = {}  # (level, tag, message) -> this family's event
        # The same, for lines the long way read whole as this family's event and nothing else (not
        # cut short, split or quoted): only those may be answered as repeats.
        self._read_whole: dict[tuple[str, str, str], Event] = {}
        # (line up to its stamp, line after it) -> (event, where its clean text starts, how much
        # follows it): a line met before but for its time, found with two string splits.
        self._by_shape: dict[tuple[str, str], tuple[Event, int, int]] = {}
        # (line up to its stamp, tag, message with every digit 0) -> an application's line of that
        # shape that the long way read as an uncatalogued, harmless generic line: a line of the same
        # shape reads the same (the catalogue, too, knows a message by its shape, digits aside).
        self._by_template: dict[tuple[str, str, bytes], Event] = {}
        self._cleared = 0  # times a cache started over
        # Shapes whose lines the reader does not need until it says otherwise (see settle), and the
        # shape repeat() last answered from, which settle() means.
        self._settled: set[tuple[str, str, bytes]] = set()
        self._last_shape: tuple[str, str, bytes] | None = None

    def state(self, no: int) -> tuple[int, int, int, int]:
        """Nothing but caches, which decide whether a line is read as a repeat: their sizes and
        how often they started over."""
        return self._cleared, len(self._read_whole), len(self._by_shape), len(self._by_template)

    def restore(self, state: tuple[int, int, int, int], no: int) -> None:
        pass  # caches are not put back: a state is only restored where they are the same

    def repeat(self, raw: str) -> tuple[Event, tuple[int, ...]] | None:
        """A line as the block holds it (colour, CR) whose message this capture already had: that
        event and (start, end, ms) of this line, found without cleaning or parsing the line; or
        one whose shape it had (see :meth:`learn`): its own event and (start, end). ``None`` sends it
        the long way."""
        self._last_shape = None
        if self._settled:  # most lines of an application's output: answered from the shape alone
            # (written out here, not through _is_stamp and _template_key, digits_alike too: it runs for
            # every such line)
            head, sep, tail = raw.partition(") ")
            if sep:
                opening = head.find("(")
                stamp = head[opening + 1 :]
                if stamp.isdigit() or _CLOCK_STAMP.fullmatch(stamp) is not None:
                    settled = head[:opening], tail.partition(":")[0], tail.encode("utf-8", "surrogatepass").translate(ZERO_DIGITS)
                    if settled in self._settled and (earlier := self._by_template.get(settled)) is not None:
                        return earlier, None  # the reader does not need it: it said so of this shape
        try:
            return self._repeat(raw)
        except NumberTooLong:
            return None  # a stamp no log prints: the long way decides what the line is

    def _repeat(self, raw: str) -> tuple[Event, tuple[int, ...] | None] | None:
        head, sep, tail = raw.partition(") ")
        if not sep:
            return None  # no "(stamp) ": not an IDF line
        opening = head.find("(")
        shape = self._by_shape.get((head[:opening], tail))
        if shape is not None and head[opening + 1 :].isdigit():
            earlier, start, after = shape
            return earlier, (start, len(raw) - after, parse_int(head[opening + 1 :]))
        # Before the full envelope match, the same split tells whether the message was seen at
        # all (most new lines were not): "L (" ends the head, "tag: msg" is the tail.
        body = tail[:-1] if tail.endswith("\r") else tail
        if body.endswith("\x1b[0m"):
            body = body[:-4]
        tag, _, msg = body.partition(":")
        message = msg[1:] if msg.startswith(" ") else msg
        if (head[opening - 2 : opening - 1], tag, message) not in self._read_whole:
            return self._template_of(head, opening, tag, tail, len(head) + 2 + len(body), message)
        m = _RAW_ENVELOPE.match(raw)
        if m is None:
            return None
        seen = self._read_whole.get(m.group("level", "tag", "msg"))
        if seen is None or seen.text[-1:] != raw[m.end("msg") - 1 : m.end("msg")]:
            return None  # new, or a different line that ends in blanks (the long way strips them)
        stamp = m.group("stamp")
        if stamp.isdigit():
            self._keep(self._by_shape, (head[:opening], tail), (seen, m.start("level"), len(raw) - m.end("msg")))
        return seen, (m.start("level"), m.end("msg"), stamp_to_ms(stamp))

    def _template_of(self, head: str, opening: int, tag: str, tail: str, end: int,
                     message: str) -> tuple[Event, tuple[int, int]] | None:
        """A new message of a shape :meth:`learn` was shown: its event (but for its place) and
        (start, end) of this line. The parts are :meth:`_repeat`'s split of the line: its tail is
        the learned line's but for digits, so it splits as that line did under the envelope regex;
        only the stamp, which the shape leaves out, is checked."""
        shape = _template_key(head[:opening], tag, tail)
        earlier = self._by_template.get(shape)
        if earlier is None:
            return None
        stamp = head[opening + 1 :]
        if not _is_stamp(stamp):
            return None
        if message[-1:].isspace():
            return None  # the long way strips trailing blanks
        # The caller asks of this event whether the line matters: it must carry this message.
        self._last_shape = shape
        return earlier.moved(earlier.line, earlier.text, ms=stamp_to_ms(stamp), msg=message), (opening - 2, end)

    # What lines of one learned shape may differ in: the message, only in its digits; the time,
    # the line's text and number, in anything. Every other field is the same.
    shaped_fields = frozenset({"msg"})
    free_fields = frozenset({"ms", "text", "line"})

    def settle(self) -> None:
        """The reader did not need the line :meth:`repeat` last answered from a learned shape, and
        will need no line of that shape until :meth:`unsettle`: repeat() answers them with ``None``
        for a place."""
        if self._last_shape is not None:  # (else a no-op: repeat() answered no shape)
            if len(self._settled) >= _SEEN_SIZE:
                self._settled.clear()
            self._settled.add(self._last_shape)

    @property
    def answered_by_shape(self) -> bool:
        """Whether :meth:`repeat`'s last answer came from a learned shape (what settle() means)."""
        return self._last_shape is not None

    def unsettle(self) -> None:
        """The reader may need any line again (a new session began)."""
        self._settled.clear()

    def learn(self, raw: str, event: Event) -> None:
        """The long way read the whole of ``raw`` (a line as the block holds it) as ``event`` and
        nothing else. This family's event is kept by the line's message, for its repeats; an
        application's line that is neither catalogued nor a failure also by its shape, so that its
        next messages of that shape skip the long way."""
        if not isinstance(event, ev.EspLog):
            return  # another family's, or a message cut short: read again each time
        m = _RAW_ENVELOPE.match(raw)
        if m is None or m.group("msg") != event.msg:
            return
        self._keep(self._read_whole, (event.level, event.tag, event.msg), event)
        if type(event) is not ev.EspLog or event.message_id is not None or event.is_failure():
            return
        # the parts repeat() splits a line into: up to the stamp's "(", and after its ") "
        lead, tail = raw[: m.start("stamp") - 1], raw[m.end("stamp") + 2 :]
        self._keep(self._by_template, _template_key(lead, m.group("tag"), tail), event)

    def repeat_at(self, earlier: Event, raw: str, place: tuple[int, ...], no: int) -> Event:
        """``earlier`` moved to this line, with its own text and time; a line only the shape of
        which was met before (``place`` without a time: the event already has its own) is then known
        by its message too, as the long way would have left it."""
        if len(place) == 3:
            start, end, ms = place
            return earlier.moved(no, raw[start:end], ms=ms)
        start, end = place
        event = earlier.moved(no, raw[start:end])
        self._keep(self._read_whole, (event.level, event.tag, event.msg), event)  # type: ignore[attr-defined]
        return event

    def _keep(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        """Put ``value`` in one of the caches that decide repeats, which start over when full."""
        if len(cache) >= _SEEN_SIZE:
            cache.clear()
            self._cleared += 1
        cache[key] = value

    def claims(self, text: str) -> bool:
        return ENVELOPE.match(text) is not None or PANIC.match(text) is not None

    def parse(self, text: str, no: int) -> Event | None:
        m = ENVELOPE.match(text)
        if m is None:
            p = PANIC.match(text)
            return ev.Panic.trusted(line=no, text=text, message=p.group(0)) if p else None
        level, stamp, tag, msg = m.group("level", "stamp", "tag", "msg")
        ms = stamp_to_ms(stamp)
        # The same message from the same tag is the same event but for its place and time.
        seen = self._seen.get((level, tag, msg))
        if seen is not None:
            return seen.moved(no, text, ms=ms)
        envelope = {"level": level, "ms": ms, "tag": tag, "msg": msg}
        parsed = parse_message(msg.strip()) if (level in "EW" or _TYPED_TAGS.fullmatch(tag)) else None
        if parsed is None:
            event: Event = ev.EspLog.trusted(line=no, text=text, **envelope)
        else:
            cls, fields = parsed
            event = cls.trusted(line=no, text=text, **envelope, **fields)
        if len(self._seen) >= _SEEN_SIZE:
            self._seen.clear()
        self._seen[(level, tag, msg)] = event
        return event
