"""A small, strict CBOR (RFC 8949) decoder, enough for MCUboot's BOOT_RECORD TLV.

Malformed input raises :class:`CborError`, never anything else.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32

# RFC 8949 §3: major types
_UINT, _NEGINT, _BYTES, _TEXT, _ARRAY, _MAP, _TAG, _SIMPLE = range(8)
_INDEFINITE = 31
_BREAK = 0xFF


class CborError(ValueError):
    """The bytes are not well-formed CBOR."""


@dataclass(frozen=True)
class Tagged:
    tag: int
    value: Any


@dataclass(frozen=True)
class Simple:
    value: int


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


def decode(data: bytes) -> Any:
    """Decode exactly one CBOR item that fills all of ``data``."""
    value, end = decode_prefix(data)
    if end != len(data):
        raise CborError(f"{len(data) - end} trailing byte(s) after the CBOR item")
    return value


def decode_prefix(data: bytes, offset: int = 0) -> tuple[Any, int]:
    """Decode one CBOR item starting at ``offset``; return it and the offset just past it."""
    return _Decoder(bytes(data)).item(offset, 0)


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def take(self, offset: int, count: int) -> bytes:
        if count < 0 or offset + count > len(self.data):
            raise CborError(f"item at {offset} needs {count} byte(s), only {max(len(self.data) - offset, 0)} left")
        return self.data[offset : offset + count]

    def head(self, offset: int) -> tuple[int, int, int | None, int]:
        """(major type, additional info, argument or None for indefinite, offset after the head)."""
        initial = self.take(offset, 1)[0]
        major, info = initial >> 5, initial & 0x1F
        offset += 1
        if info < 24:
            return major, info, info, offset
        if info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            return major, info, int.from_bytes(self.take(offset, size), "big"), offset + size
        if info == _INDEFINITE and major in (_BYTES, _TEXT, _ARRAY, _MAP, _SIMPLE):
            return major, info, None, offset
        raise CborError(f"reserved additional information {info} at offset {offset - 1}")

    def item(self, offset: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise CborError(f"nesting deeper than {MAX_DEPTH}")
        start = offset
        major, info, arg, offset = self.head(offset)
        if major == _SIMPLE:
            if arg is None:
                raise CborError(f"unexpected break at offset {start}")
            return self.simple(info, arg), offset
        if major == _UINT:
            return arg, offset
        if major == _NEGINT:
            return -1 - arg, offset
        if major in (_BYTES, _TEXT):
            return self.string(major, arg, offset, start)
        if major == _ARRAY:
            return self.array(arg, offset, depth)
        if major == _MAP:
            return self.map(arg, offset, depth)
        value, offset = self.item(offset, depth + 1)
        return Tagged(arg, value), offset

    def string(self, major: int, length: int | None, offset: int, start: int) -> tuple[Any, int]:
        if length is not None:
            raw = self.take(offset, length)
            offset += length
        else:
            chunks: list[bytes] = []
            while self.take(offset, 1)[0] != _BREAK:
                chunk_major, _, chunk_len, offset = self.head(offset)
                if chunk_major != major or chunk_len is None:
                    raise CborError(f"bad chunk in indefinite string at offset {start}")
                chunks.append(self.take(offset, chunk_len))
                offset += chunk_len
            raw, offset = b"".join(chunks), offset + 1
        if major == _BYTES:
            return raw, offset
        try:
            return raw.decode("utf-8"), offset
        except UnicodeDecodeError:
            raise CborError(f"text string at offset {start} is not UTF-8") from None

    def array(self, count: int | None, offset: int, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        if count is not None and count > len(self.data) - offset:
            raise CborError(f"array of {count} items cannot fit in {len(self.data) - offset} byte(s)")
        while self.more(offset, count, len(items)):
            value, offset = self.item(offset, depth + 1)
            items.append(value)
        return items, offset + (1 if count is None else 0)

    def map(self, count: int | None, offset: int, depth: int) -> tuple[dict[Any, Any], int]:
        result: dict[Any, Any] = {}
        pairs = 0
        if count is not None and 2 * count > len(self.data) - offset:
            raise CborError(f"map of {count} pairs cannot fit in {len(self.data) - offset} byte(s)")
        while self.more(offset, count, pairs):
            key_at = offset
            key, offset = self.item(offset, depth + 1)
            value, offset = self.item(offset, depth + 1)
            key = _hashable(key, key_at)
            if key in result:
                raise CborError(f"duplicate map key {key!r} at offset {key_at}")
            result[key] = value
            pairs += 1
        return result, offset + (1 if count is None else 0)

    def more(self, offset: int, count: int | None, seen: int) -> bool:
        if count is not None:
            return seen < count
        return self.take(offset, 1)[0] != _BREAK

    def simple(self, info: int, arg: int) -> Any:
        if info == 25:
            return _half_float(arg)
        if info == 26:
            return struct.unpack(">f", arg.to_bytes(4, "big"))[0]
        if info == 27:
            return struct.unpack(">d", arg.to_bytes(8, "big"))[0]
        if info == 24 and arg < 32:
            raise CborError(f"simple value {arg} must use the one-byte form")
        return {20: False, 21: True, 22: None, 23: UNDEFINED}.get(arg, Simple(arg))


def _half_float(bits: int) -> float:
    # RFC 8949 Appendix D
    exponent = (bits >> 10) & 0x1F
    mantissa = bits & 0x3FF
    if exponent == 0:
        value = math.ldexp(mantissa, -24)
    elif exponent != 31:
        value = math.ldexp(mantissa + 1024, exponent - 25)
    else:
        value = math.inf if mantissa == 0 else math.nan
    return -value if bits & 0x8000 else value


def _hashable(key: Any, offset: int) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k, offset) for k in key)
    if isinstance(key, dict):
        raise CborError(f"map used as a map key at offset {offset}")
    if isinstance(key, Tagged):
        return Tagged(key.tag, _hashable(key.value, offset))
    return key
