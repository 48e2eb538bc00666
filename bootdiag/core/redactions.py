"""The generic redaction table: identifiers and secrets any log, paste or configuration may carry.

Each row is a :class:`~bootdiag.core.platform.Redaction` (kind, hint, pattern); platforms add the
rows for what only their own output prints (``Platform.redactions``). Rows run in order, each on
what the rows before it left: URL credentials before e-mail addresses (``user:pw@host`` looks like
one), labelled ids before the bare forms. Every pattern here is linear on any line: repeats are
bounded or possessive, and each starts at a literal or behind a lookbehind that fixes its start.
"""
from __future__ import annotations

import re

from bootdiag.core.platform import Redaction

_HEX = "0-9A-Fa-f"


def hex_digits(text: str) -> str:
    """The hex digits of an identifier, lower case: one MAC whichever way it is written."""
    return re.sub(r"[^0-9a-f]", "", text.lower())


def _kept_ipv4(value: str) -> bool:
    # Not identifying: unspecified, loopback, netmasks and broadcast.
    return _IPV4_KEEP.fullmatch(value) is not None


def _kept_ipv6(value: str) -> bool:
    # A digit is required: "a::b" is a C++ name, not an address.
    return value in ("::", "::1") or not any(c.isdigit() for c in value)


def _kept_home(value: str) -> bool:
    return value.lower() in ("shared", "public", "default", "all users")


_IPV4_KEEP = re.compile(r"0\.0\.0\.0|127\.\d+\.\d+\.\d+|255\.\d+\.\d+\.\d+")
_PATH_NAME = r"[^\\/\s:*?\"'<>|]{1,64}"
_USER = r"[a-z_][\w.-]{0,31}"
_HOST = r"[A-Za-z0-9][\w-]{0,62}(?:\.[\w-]{1,63}){0,8}"
_QUOTED_OR_WORD = r"\"[^\"\n]{0,256}\"|'[^'\n]{0,256}'|[^\s,;\"'&]{1,256}"
# Secrets are named by a word that ends the label: password, WIFI_PASS, ap_pass, api_key, TOKEN...
_PASSWORD_LABEL = (
    r"(?:[A-Za-z0-9]{1,32}[_-]){0,4}(?:password|passwd|passphrase|passwort|pwd|psk)"
    r"|(?:[A-Za-z0-9]{1,32}[_-]){1,4}pass|(?<=[?&])pass"
)
_SECRET_LABEL = (
    r"(?:[A-Za-z0-9]{1,32}[_-]){0,4}(?:secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key"
    r"|client[_-]?secret|account[_-]?key|shared[_-]?access[_-]?key)"
)
_PRIVATE_HOST_SUFFIX = r"local|lan|internal|intranet|home|corp|localdomain|home\.arpa"
_NETWORK_SCHEMES = r"mqtts?|ftps?|sftp|wss?|tcp|udp|socket|rfc2217|coaps?|amqps?|redis|telnet|ssh|smb|nfs"

GENERIC: tuple[Redaction, ...] = (
    # ---- secrets
    # scheme://user:password@host (MQTT brokers, FTP, HTTP basic auth)
    Redaction("credentials", "://", re.compile(
        r"(?i)\b([a-z][a-z0-9+.-]{0,15}://)([^\s:/@<>\"']{1,128}(?::[^\s/@<>\"']{0,256})?)(@)")),
    Redaction("key", ("ssh-", "ecdsa-"), re.compile(
        r"\b((?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}) )(AAAA[A-Za-z0-9+/]{8,}+={0,2})")),
    Redaction("secret", ("akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa"), re.compile(  # AWS key ids
        r"(?<![A-Za-z0-9])()((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})(?![A-Za-z0-9])")),
    Redaction("secret", ("gh", "github_pat_", "glpat-"), re.compile(  # GitHub and GitLab tokens
        r"(?<![A-Za-z0-9_])()(gh[pousr]_[A-Za-z0-9]{30,255}+|github_pat_[A-Za-z0-9_]{22,255}+|glpat-[A-Za-z0-9_-]{20,255}+)")),
    Redaction("secret", "xox", re.compile(r"(?<![A-Za-z0-9])()(xox[abposr]-[A-Za-z0-9-]{10,255}+)")),  # Slack
    Redaction("secret", "aiza", re.compile(r"(?<![A-Za-z0-9])()(AIza[0-9A-Za-z_-]{35})")),  # Google API keys
    Redaction("secret", ("sk-", "sk_", "rk_"), re.compile(  # OpenAI/Anthropic-style and Stripe keys
        r"(?<![A-Za-z0-9_-])()(sk-[A-Za-z0-9_-]{20,255}+|[sr]k_(?:live|test)_[A-Za-z0-9]{16,255}+)")),
    Redaction("secret", "eyj", re.compile(  # JSON Web Tokens
        r"(?<![A-Za-z0-9_-])()(eyJ[A-Za-z0-9_-]{8,4096}+\.eyJ[A-Za-z0-9_-]{8,4096}+\.[A-Za-z0-9_-]{8,4096}+)")),
    Redaction("secret", "bearer", re.compile(r"(?i)(\bbearer\s{1,8})([A-Za-z0-9._~+/=-]{8,4096}+)")),
    Redaction("secret", ("authorization", "auth"), re.compile(
        r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*(?:basic|token|digest)?\s{0,8})([A-Za-z0-9._~+/=-]{8,4096}+)")),
    Redaction("password", ("pass", "pwd", "psk"), re.compile(
        rf"(?i)((?<![A-Za-z0-9])(?:{_PASSWORD_LABEL})\s{{0,8}}[:=]\s{{0,8}})({_QUOTED_OR_WORD})")),
    Redaction("secret", ("secret", "token", "key"), re.compile(
        rf"(?i)((?<![A-Za-z0-9])(?:{_SECRET_LABEL})\s{{0,8}}[:=]\s{{0,8}})({_QUOTED_OR_WORD})")),
    Redaction("secret", ("sig=", "signature="), re.compile(r"(?i)((?<![A-Za-z0-9])(?:sig|sharedaccesssignature)=)([^\s;&\"']{1,4096}+)")),
    # ---- people and machines
    # /home/NAME, /Users/NAME, C:\Users\NAME (also with doubled backslashes, as in escaped strings);
    # a name with spaces (Windows allows them) only when a backslash follows, so prose is not swallowed.
    Redaction("user", ("home", "users"), re.compile(
        rf"(?i)((?:\b[A-Z]:)?(?:\\\\|\\|/)(?:Users|home)(?:\\\\|\\|/))({_PATH_NAME}(?: {_PATH_NAME}){{0,4}}+(?=\\)|{_PATH_NAME})"),
        keep_if=_kept_home),
    # ~alice/esp
    Redaction("user", "~", re.compile(rf"(?<![\w~])~(?P<user>{_USER})(?=/)")),
    # alice@laptop:~/esp$ (bash), [alice@laptop esp]$ (Fedora, RHEL), alice@LAPTOP MINGW64 ~/esp (Git Bash)
    Redaction("user", "@", re.compile(rf"(?<![\w.@-])(?P<user>{_USER})@(?P<host>{_HOST}):(?=[~/])")),
    Redaction("user", "@", re.compile(rf"\[(?P<user>{_USER})@(?P<host>{_HOST})(?= [^\]\n]{{0,256}}\][$#])")),
    Redaction("user", ("mingw", "msys", "ucrt64", "clang"), re.compile(
        rf"(?<![\w.@-])(?P<user>[\w.-]{{1,32}})@(?P<host>[\w-]{{1,63}}) (?=MINGW(?:32|64)|MSYS|UCRT64|CLANG(?:32|64|ARM64)\b)")),
    # USER=alice in an environment dump
    Redaction("user", ("user", "logname"), re.compile(
        r"(?<![A-Za-z0-9_])(?:USER|USERNAME|LOGNAME|SUDO_USER)\s?=\s?(?P<user>[^\s\"';<]{1,64})")),
    Redaction("host", "host", re.compile(
        rf"(?i)((?<![A-Za-z0-9_])(?:hostname|host[ _]name)\s{{0,8}}[:=]\s{{0,8}})({_HOST})"), remember=True),
    # the host of a URL that carried credentials: a private server, whatever its scheme
    Redaction("host", "<credentials>@", re.compile(rf"(<credentials>@)((?!<){_HOST})")),
    # hosts of brokers and servers (mqtt://, ftp://, socket://...); web links (docs) stay
    Redaction("host", "://", re.compile(
        rf"(?i)(\b(?:{_NETWORK_SCHEMES})://(?:<credentials>@)?)((?!<)(?=[^\s/:]*[A-Za-z])[A-Za-z0-9][\w-]{{0,62}}(?:\.[\w-]{{1,63}}){{0,8}})")),
    Redaction("host", (".local", ".lan", ".internal", ".intranet", ".home", ".corp", ".localdomain"), re.compile(
        rf"(?i)(?<![\w.-])()([a-z0-9][\w-]{{0,62}}(?:\.[\w-]{{1,63}}){{0,6}}\.(?:{_PRIVATE_HOST_SUFFIX}))(?![\w.-])")),
    Redaction("email", "@", re.compile(
        r"(?<![\w.+-])()((?!git@)[\w.+-]{1,64}+@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24})\b")),
    # ---- units: serial numbers, chip ids
    # /dev/serial/by-id/usb-<vendor>_<product>_<serial>-if00-port0 (udev 60-serial.rules naming)
    Redaction("serial", "serial", re.compile(r"(/dev/serial/by-id/[^\s/]{0,256}_)([^\s_/]{1,64})(-if\d+)"), remember=True),
    # macOS names FTDI/CP210x ports after the adapter's USB serial string.
    Redaction("serial", "serial", re.compile(r"(/dev/(?:cu|tty)\.usbserial-)(\w{1,64})"), remember=True),
    Redaction("serial", ("serial", "s/n"), re.compile(
        r"(?i)((?<![A-Za-z])(?:serial[ _-]?(?:number|no\.?|num)|serialnumber|s/n|id_serial(?:_short)?)\s*[:=#]\s*|"
        r"\biSerial\s+\d+\s+)"
        r"([A-Za-z0-9][\w.:-]{0,64})"), remember=True),
    Redaction("uid", ("uid", "unique"), re.compile(
        rf"(?i)(?<![\w-])((?:chip_uid|uid|unique[ _]id)\s*[:=]\s*(?:0x)?)([{_HEX}]{{8,64}})(?![{_HEX}])"), remember=True),
    Redaction("ssid", "ssid", re.compile(
        r"(?i)((?<![A-Za-z])(?:ssid)\s*[:=]\s*)(\"[^\"]{0,64}\"|'[^']{0,64}'|[^\s,;\"'](?:[^,;\"'\n]{0,62}?[^\s,;\"'.])?)"
        r"(?=\s*(?:[,;\"']|$|\s{2}|\s+(?:password|passwd|pwd|psk|channel|bssid|rssi|auth)\b))"), remember=True),
    # ---- network addresses
    # MAC with a label, written without separators or with spaces: "mac: 240ac4123456", "MAC 24 0a c4 12 34 56"
    Redaction("mac", "mac", re.compile(
        rf"(?i)((?<![A-Za-z])mac(?:[ _-]?addr(?:ess)?)?\s{{0,8}}(?:[:=]\s{{0,8}})?(?:0x)?)"
        rf"([{_HEX}]{{12}}|[{_HEX}]{{2}}(?: [{_HEX}]{{2}}){{5}})(?![{_HEX}])"),
        normalise=hex_digits, remember=True),
    # EUI-48 / EUI-64 with ':' or '-' separators, not part of a longer colon-separated hex run
    # (a fingerprint or a hex dump stays whole).
    Redaction("mac", re.compile(rf"[{_HEX}]{{2}}[:-][{_HEX}]{{2}}[:-][{_HEX}]{{2}}"), re.compile(
        rf"(?<![{_HEX}:-])(?P<mac>[{_HEX}]{{2}}([:-])(?:[{_HEX}]{{2}}\2){{4}}[{_HEX}]{{2}}(?:\2[{_HEX}]{{2}}\2[{_HEX}]{{2}})?)"
        rf"(?![{_HEX}]|[:-][{_HEX}])"), normalise=hex_digits, remember=True),
    # Cisco's dotted form: 240a.c412.3456
    Redaction("mac", re.compile(rf"[{_HEX}]{{4}}\.[{_HEX}]{{4}}\."), re.compile(
        rf"(?<![{_HEX}.])()([{_HEX}]{{4}}\.[{_HEX}]{{4}}\.[{_HEX}]{{4}})(?![{_HEX}]|\.[{_HEX}])"),
        normalise=hex_digits, remember=True),
    Redaction("ip", re.compile(rf"::|(?:[{_HEX}]{{1,4}}:){{4}}"), re.compile(
        rf"(?<![\w:])()((?:[{_HEX}]{{1,4}}:){{7}}[{_HEX}]{{1,4}}"
        rf"|(?:[{_HEX}]{{1,4}}:){{1,6}}:(?:[{_HEX}]{{1,4}}(?::[{_HEX}]{{1,4}}){{0,6}})?"
        rf"|::(?:[{_HEX}]{{1,4}}:){{0,5}}[{_HEX}]{{1,4}})(?![\w:])"), keep_if=_kept_ipv6),
    Redaction("ip", re.compile(r"\d\.\d+\.\d+\.\d"), re.compile(
        r"(?<![\w.])()((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?!\.?\w)"),
        keep_if=_kept_ipv4),
)
