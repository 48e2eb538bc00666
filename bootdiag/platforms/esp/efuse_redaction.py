"""Key material as espefuse prints it: always masked when a report is redacted.

The eFuse blocks hold the flash-encryption key, the Secure Boot V1 key, HMAC and ECDSA keys,
and user data; espefuse shows their bytes wherever a block is readable. Forms (espefuse v4.x and
v5.x, ``espefuse summary``, ``summary --format json``, ``dump``, and ``burn-key
--show-sensitive-info``)::

    BLOCK1 (BLOCK1)                                    Flash encryption key
       = 1f 1e 1d ... 00 R/W
    BLOCK_KEY0 (BLOCK4)
      Purpose: XTS_AES_128_KEY
        Key0 or user data
       = 1f 1e 1d ... 00 R/-
    "value": "1f 1e 1d ... 00",   "raw_value": "0x1f1e1d...00",
    BLOCK_KEY0      (BLOCK4          ) [4 ] dump: 1c1d1e1f 18191a1b ...
     - BLOCK_KEY0 -> [1f 1e 1d ... 00]

A block's purpose is not always on the line that holds its bytes (the JSON lists it elsewhere), so
every block of 16 to 32 bytes is masked, digests included; the verifier's own results, made from
the file before redaction, still say which digest matched. A block that is all one byte (zeros
when nothing is burned, ``??`` when read-protected) holds nothing and stays.
"""
from __future__ import annotations

import re

from bootdiag.core.platform import Redaction

_BYTES = r"(?:[0-9a-fA-F?]{2} ){15,31}[0-9a-fA-F?]{2}"


def unburned(value: str) -> bool:
    """All one byte: nothing burned, or read protection hides it."""
    digits = re.sub(r"[\s:]", "", value).lower().removeprefix("0x")
    return len(set(digits)) <= 1


EFUSE_REDACTIONS = (
    Redaction("key", ("r/w", "r/-", "-/w", "-/-"), re.compile(rf"((?:^|\s)=\s)({_BYTES})(?=\s+[R-]/[W-])"), keep_if=unburned),
    Redaction("key", "value", re.compile(rf"(\"(?:raw_)?value\":\s?\")({_BYTES}|0x[0-9a-fA-F]{{32,64}})(\")"), keep_if=unburned),
    Redaction("key", ("dump:", "read_regs:"), re.compile(
        r"(?i)(\bBLOCK\w{0,16}\s{0,16}\([^)\n]{0,32}\)\s{0,8}\[\s{0,4}\d{1,3}\s{0,4}\]\s{0,8}(?:dump|read_regs):\s{1,8})"
        r"([0-9a-f]{8}(?: [0-9a-f]{8}){0,15})"), keep_if=unburned),
    Redaction("key", "-> [", re.compile(rf"(\bBLOCK\w{{0,16}}\s?->\s?\[)({_BYTES})(\])"), keep_if=unburned),
)
