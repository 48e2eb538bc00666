"""The verifier's readers of keys, eFuse summaries and fuse_info files, and the line parsers, on input
damaged by hypothesis: a result or an input error, never an exception. (Images have their own fuzz
tests under tests/verify.)"""
from __future__ import annotations

import json
from functools import lru_cache

from esp_fixtures import signing_key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_numbers import one_line_per_event_kind

from bootdiag.core.parse import LineParser
from bootdiag.platforms.esp import secure_boot
from bootdiag.platforms.tegra import signed
from bootdiag.verify import UnusableInput
from bootdiag.verify.keys import parse_key

FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def damaged(data: bytes, edits: list[tuple[int, int]], keep: int | None, extra: bytes) -> bytes:
    out = bytearray(data)
    for position, mask in edits:
        if out:
            out[position % len(out)] ^= mask
    if keep is not None:
        out = out[: keep % (len(out) + 1)]
    return bytes(out) + extra


EDITS = st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(1, 255)), max_size=5)
KEEP = st.none() | st.integers(0, 1 << 16)
EXTRA = st.binary(max_size=16) | st.sampled_from([b"-----BEGIN PUBLIC KEY-----\n", b"-----END PUBLIC KEY-----\n", b"0" * 5000])


@lru_cache(maxsize=None)
def keys() -> list[bytes]:
    pem = signing_key("ecdsa256").read_bytes()
    from cryptography.hazmat.primitives import serialization

    der = serialization.load_pem_private_key(pem, None).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return [pem, der]


@FUZZ
@given(which=st.integers(0, 1), edits=EDITS, keep=KEEP, extra=EXTRA)
def test_damaged_keys_are_keys_or_input_errors(which: int, edits: list[tuple[int, int]], keep: int | None, extra: bytes) -> None:
    data = damaged(keys()[which], edits, keep, extra)
    try:
        parse_key(data, "fuzz.pem")  # every platform's key checks read keys through it
    except UnusableInput:
        pass


SUMMARY_TEXT = (
    "ABS_DONE_1 (BLOCK0)   Secure boot V2 is enabled for bootloader image = True R/W (0b1)\n"
    "KEY_PURPOSE_0 (BLOCK0)   Purpose of Key0 = SECURE_BOOT_DIGEST0 R/W (0x9)\n"
    "BLOCK_KEY0 (BLOCK4)\n  Purpose: SECURE_BOOT_DIGEST0\n    Key0 or user data\n"
    "   = 3a 91 c4 7e 0b 5d 22 f8 61 9e 07 b3 c5 48 d1 2f 8a 77 e0 19 54 c6 3b 0d 9f 2e 61 a8 75 c3 14 e9 R/- \n"
)
SUMMARY_JSON = json.dumps({
    "ABS_DONE_1": {"value": True}, "KEY_PURPOSE_0": {"value": "SECURE_BOOT_DIGEST0"},
    "BLOCK_KEY0": {"value": "3a 91 c4 7e 0b 5d 22 f8 61 9e 07 b3 c5 48 d1 2f 8a 77 e0 19 54 c6 3b 0d 9f 2e 61 a8 75 c3 14 e9"},
    "SECURE_BOOT_KEY_REVOKE0": {"value": False},
}, indent=4)
FUSE_INFO = "PublicKeyHash: 0x" + "ab" * 32 + "\nBootSecurityInfo: 0x209\nSecureBootKey: 0x" + "00" * 32 + "\n"


@FUZZ
@given(which=st.integers(0, 2), edits=EDITS, keep=KEEP, extra=EXTRA)
def test_damaged_efuse_summaries_and_fuse_info(which: int, edits: list[tuple[int, int]], keep: int | None, extra: bytes) -> None:
    text = damaged((SUMMARY_TEXT, SUMMARY_JSON, FUSE_INFO)[which].encode(), edits, keep, extra).decode("utf-8", "replace")
    if which < 2:
        fields = secure_boot._efuse_fields_from_json(text)
        if fields is None:
            fields = secure_boot._efuse_fields_from_text(text)
        secure_boot.efuse_secure_boot(fields)
    else:
        fuses = signed.parse_fuse_info(text)
        if "PublicKeyHash" in fuses:
            try:
                signed.parse_fuse_hash(fuses["PublicKeyHash"], "fuse_info")
            except UnusableInput:
                pass


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, 1 << 16), cuts=st.lists(st.tuples(st.integers(0, 400), st.text(max_size=6)), max_size=4))
def test_damaged_log_lines_are_events_or_nothing(index: int, cuts: list[tuple[int, str]]) -> None:
    lines = one_line_per_event_kind()
    line = lines[index % len(lines)]
    for position, text in cuts:
        at = position % (len(line) + 1)
        line = line[:at] + text + line[at + 1 :]
    for event in PARSER.parse_line(line, 1):
        event.model_dump_json()


PARSER = LineParser(reuse_repeats=False)
