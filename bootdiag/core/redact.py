"""Replace device and personal identifiers with stable placeholders before a report is shared.

One :class:`Redactor` serves one run: the same MAC address becomes the same ``<mac-1>`` in the
capture, the evidence lines, the explanation and the Markdown, so a maintainer can still follow
which device did what. Line count and line endings never change, so evidence line numbers keep
pointing at the right lines of a redacted capture.

Kept on purpose: key digests and image hashes (bare hex), memory addresses such as ``0x3fff0030``,
chip names and versions. They are what a maintainer needs, and they identify a build, not a person
or a unit. Platforms add the identifiers their own output carries (:class:`~bootdiag.core.platform.Redaction`),
and may keep the part of one that describes the board rather than the unit.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from bootdiag import platforms as registry
from bootdiag.core.platform import Redaction

if TYPE_CHECKING:
    from bootdiag.core.report import Report

KEY_MATERIAL = "<redacted key material>"
MAX_PENDING = 1 << 20  # longest line held whole while streaming

# Report fields that name rules, events and links, never device data.
_KEEP_KEYS = frozenset({"schema", "id", "event", "platform", "confidence", "status", "docs", "tool", "format"})

_HEX = "0-9A-Fa-f"

_PEM_INLINE = re.compile(r"(-----BEGIN ([A-Z0-9 ]+)-----)(.*?)(-----END \2-----)")
_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]+-----")
_SSH_KEY = re.compile(r"\b((?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+) )AAAA[A-Za-z0-9+/]+={0,2}")

# /home/NAME, /Users/NAME, C:\Users\NAME (also with doubled backslashes, as in escaped strings).
_PATH_NAME = r"[^\\/\s:*?\"'<>|]+"
# A name with spaces (Windows allows them) only when a backslash follows, so prose is not swallowed.
_USER_PATH = re.compile(
    rf"(?i)((?:\b[A-Z]:)?(?:\\\\|\\|/)(?:Users|home)(?:\\\\|\\|/))({_PATH_NAME}(?: {_PATH_NAME})*(?=\\)|{_PATH_NAME})"
)
_SHARED_HOMES = frozenset({"shared", "public", "default", "all users", "<user>"})
# Shell prompt pasted with the log: alice@laptop:~/esp$ idf.py flash
_PROMPT = re.compile(r"(?<![\w.@-])([a-z_][\w.-]{0,31})@([A-Za-z0-9][\w-]{0,62}(?:\.[\w-]+)*):(?=[~/])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

_SERIAL_LABELLED = re.compile(
    r"(?i)((?<![A-Za-z])(?:serial[ _-]?(?:number|no\.?|num)|serialnumber|s/n|id_serial(?:_short)?)\s*[:=#]\s*|"
    r"\biSerial\s+\d+\s+)"
    r"([A-Za-z0-9][\w.:-]*)"
)
# /dev/serial/by-id/usb-<vendor>_<product>_<serial>-if00-port0 (udev 60-serial.rules naming)
_SERIAL_BY_ID = re.compile(r"(/dev/serial/by-id/[^\s/]*_)([^\s_/]+)(-if\d+)")
# macOS names FTDI/CP210x ports after the adapter's USB serial string.
_SERIAL_MACOS = re.compile(r"(/dev/(?:cu|tty)\.usbserial-)(\w+)")

_UID = re.compile(rf"(?i)(?<![\w-])((?:chip_uid|uid|unique[ _]id)\s*[:=]\s*(?:0x)?)([{_HEX}]{{8,}})")

_SSID_LABELLED = re.compile(
    r"(?i)((?<![A-Za-z])(?:ssid)\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;\"'](?:[^,;\"']*?[^\s,;\"'.])?)"
    r"(?=\s*(?:[,;\"']|$|\s{2}|\s+(?:password|passwd|pwd|psk|channel|bssid|rssi|auth)\b))"
)
_PASSWORD = re.compile(r"(?i)((?<![A-Za-z])(?:password|passwd|passphrase|pwd|psk)\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|\S+)")

# EUI-48 / EUI-64 with ':' or '-' separators, not part of a longer colon-separated hex run
# (a fingerprint or a hex dump stays whole).
_MAC = re.compile(
    rf"(?<![{_HEX}:-])(?:[{_HEX}]{{2}}([:-]))(?:[{_HEX}]{{2}}\1){{4}}[{_HEX}]{{2}}(?:\1[{_HEX}]{{2}}\1[{_HEX}]{{2}})?"
    rf"(?![{_HEX}]|[:-][{_HEX}])"
)
_MAC_BARE = re.compile(rf"(?i)((?<![A-Za-z])mac(?:[ _]?addr(?:ess)?)?\s*[:=]\s*)([{_HEX}]{{12}})(?![{_HEX}])")
_IPV6 = re.compile(
    rf"(?<![\w:])(?:(?:[{_HEX}]{{1,4}}:){{7}}[{_HEX}]{{1,4}}"
    rf"|(?:[{_HEX}]{{1,4}}:){{1,6}}:(?:[{_HEX}]{{1,4}}(?::[{_HEX}]{{1,4}})*)?"
    rf"|::(?:[{_HEX}]{{1,4}}:){{0,5}}[{_HEX}]{{1,4}})(?![\w:])"
)
_IPV4 = re.compile(r"(?<![\w.])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?!\.?\w)")
# Not identifying: unspecified, loopback, netmasks and broadcast.
_IPV4_KEEP = re.compile(r"0\.0\.0\.0|127\.\d+\.\d+\.\d+|255\.\d+\.\d+\.\d+")
_IPV6_KEEP = frozenset({"::", "::1"})

_LINE_END = re.compile(r"(\r\n|\r|\n)")


def _mac_key(text: str) -> str:
    return re.sub(r"[^0-9a-f]", "", text.lower())


class Redactor:
    """Stable placeholders for one run; feed it lines in order (PEM blocks span lines)."""

    def __init__(self) -> None:
        self._names: dict[str, dict[str, str]] = {}
        # Unit ids found next to a label, replaced wherever they appear again without one.
        self._known: dict[str, str] = {}
        self._known_re: re.Pattern[str] | None = None
        self._in_pem = False

    @property
    def count(self) -> int:
        """How many distinct identifiers have been given a placeholder."""
        return sum(len(names) for names in self._names.values())

    def placeholder(self, kind: str, key: str) -> str:
        names = self._names.setdefault(kind, {})
        if key not in names:
            names[key] = f"<{kind}-{len(names) + 1}>"
        return names[key]

    def _remember(self, raw: str, replacement: str) -> None:
        if len(raw) >= 6 and raw.lower() not in self._known:
            self._known[raw.lower()] = replacement
            alternatives = "|".join(re.escape(k) for k in sorted(self._known, key=len, reverse=True))
            self._known_re = re.compile(rf"(?i)(?<![0-9A-Za-z])(?:0x)?({alternatives})(?![0-9A-Za-z])")

    def _labelled(self, kind: str, keep: int = 0) -> Callable[[re.Match[str]], str]:
        """Group 2 becomes a placeholder (its first ``keep`` characters stay); groups 1 and 3 stay."""

        def replace(m: re.Match[str]) -> str:
            value = m.group(2)
            if value.startswith("<"):
                return m.group(0)
            name = value[:keep] + self.placeholder(kind, value.strip("\"'").lower())
            self._remember(value, name)
            return m.group(1) + name + (m.group(3) or "" if m.lastindex and m.lastindex >= 3 else "")

        return replace

    # One line (no line ending), in capture order.
    def line(self, text: str) -> str:
        if self._in_pem:
            if _PEM_END.search(text):
                self._in_pem = False
                return text
            return KEY_MATERIAL if text.strip() else text
        if "-----" in text:
            text = _PEM_INLINE.sub(lambda m: m.group(1) + KEY_MATERIAL + m.group(4), text)
            begin = _PEM_BEGIN.search(text)
            if begin and not _PEM_END.search(text, begin.end()):
                self._in_pem = True
        text = self._patterns(text)
        if self._known_re is not None:
            text = self._known_re.sub(self._known_value, text)
        return text

    def _patterns(self, text: str) -> str:
        # Each pattern runs only when a plain substring shows it can match: captures are long.
        low = text.lower()
        if "aaaa" in low:
            text = _SSH_KEY.sub(lambda m: m.group(1) + KEY_MATERIAL, text)
        if "home" in low or "users" in low:
            text = _USER_PATH.sub(self._user_path, text)
        if "@" in text:
            text = _PROMPT.sub(lambda m: "<user>@" + self.placeholder("host", m.group(2).lower()) + ":", text)
            text = _EMAIL.sub(self._email, text)
        for redaction in _platform_redactions(registry.registry_key()):
            if redaction.hint in low:
                text = redaction.pattern.sub(self._labelled(redaction.kind, redaction.keep), text)
        if "uid" in low:
            text = _UID.sub(self._labelled("uid"), text)
        if "serial" in low or "s/n" in low:
            text = _SERIAL_BY_ID.sub(self._labelled("serial"), text)
            text = _SERIAL_MACOS.sub(self._labelled("serial"), text)
            text = _SERIAL_LABELLED.sub(self._labelled("serial"), text)
        if "ssid" in low:
            text = _SSID_LABELLED.sub(self._labelled("ssid"), text)
        if any(word in low for word in _PASSWORD_WORDS):
            text = _PASSWORD.sub(lambda m: m.group(1) + "<password>", text)
        if "mac" in low:
            text = _MAC_BARE.sub(lambda m: m.group(1) + self.placeholder("mac", _mac_key(m.group(2))), text)
        if _MAC_HINT.search(text):
            text = _MAC.sub(lambda m: self.placeholder("mac", _mac_key(m.group(0))), text)
        if "::" in text or text.count(":") >= 7:
            text = _IPV6.sub(self._ipv6, text)
        if _IPV4_HINT.search(text):
            text = _IPV4.sub(self._ipv4, text)
        return text

    def _email(self, m: re.Match[str]) -> str:
        if m.group(0).lower().startswith("git@"):  # a repository remote, not a person
            return m.group(0)
        return self.placeholder("email", m.group(0).lower())

    def _known_value(self, m: re.Match[str]) -> str:
        prefix = m.group(0)[: m.start(1) - m.start(0)]  # an "0x" before the id stays
        return prefix + self._known[m.group(1).lower()]

    def _user_path(self, m: re.Match[str]) -> str:
        if m.group(2).lower() in _SHARED_HOMES:
            return m.group(0)
        return m.group(1) + "<user>"

    def _ipv4(self, m: re.Match[str]) -> str:
        if _IPV4_KEEP.fullmatch(m.group(1)):
            return m.group(0)
        return self.placeholder("ip", m.group(1))

    def _ipv6(self, m: re.Match[str]) -> str:
        # A digit is required: "a::b" is a C++ name, not an address.
        if m.group(0) in _IPV6_KEEP or not any(c.isdigit() for c in m.group(0)):
            return m.group(0)
        return self.placeholder("ip", m.group(0).lower())

    # Whole strings and streams.
    def text(self, text: str) -> str:
        """A string of any number of lines; line endings are kept as they are."""
        if "\n" not in text and "\r" not in text:
            return self.line(text)
        parts = _LINE_END.split(text)
        parts[0::2] = [self.line(p) for p in parts[0::2]]
        return "".join(parts)

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Redact a byte stream line by line; bytes that are not UTF-8 pass through unchanged."""
        lines = self.lines()
        for chunk in chunks:
            if out := lines.feed(chunk):
                yield out
        if out := lines.flush():
            yield out

    def lines(self) -> "LineRedactor":
        """The same, for bytes pushed as they come."""
        return LineRedactor(self)

    def _bytes(self, data: bytes) -> bytes:
        return self.text(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def value(self, value: Any, key: str | None = None) -> Any:
        """Any JSON-like value: every string inside is redacted, rule ids and links are not."""
        if key in _KEEP_KEYS:
            return value
        if isinstance(value, str):
            self._in_pem = False  # each field stands alone
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def report(self, report: Report) -> Report:
        """A redacted copy of a report (evidence, explanation, fix, context, source, verification)."""
        from bootdiag.core.report import Report

        data = report.to_json_dict()
        # First pass names every labelled id, so an id quoted without its label earlier in the
        # report (an explanation before its evidence line) is still replaced.
        self.value(data)
        redacted = Report.model_validate(self.value(data))
        for new, old in zip(redacted.findings, report.findings):
            new.priority = old.priority
        return redacted


_PASSWORD_WORDS = ("password", "passwd", "passphrase", "pwd", "psk")
_MAC_HINT = re.compile(rf"[{_HEX}]{{2}}[:-][{_HEX}]{{2}}[:-][{_HEX}]{{2}}")
_IPV4_HINT = re.compile(r"\d\.\d+\.\d+\.\d")


class LineRedactor:
    """Bytes in, redacted bytes out, whole lines at a time: an identifier split between two chunks
    is seen whole."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._pending + chunk
        cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        if cut == 0 and len(data) > MAX_PENDING:
            cut = len(data)  # a line without end (binary noise): redact it in pieces, memory stays flat
        self._pending = data[cut:]
        return self._redactor._bytes(data[:cut]) if cut else b""

    def flush(self) -> bytes:
        data, self._pending = self._pending, b""
        return self._redactor._bytes(data) if data else b""


@cache
def _platform_redactions(key: tuple[str, ...]) -> tuple[Redaction, ...]:
    return tuple(r for p in registry.platforms() for r in p.redactions)


def redact_report(report: Report, redactor: Redactor | None = None) -> Report:
    return (redactor or Redactor()).report(report)
