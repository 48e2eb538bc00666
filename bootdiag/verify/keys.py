"""Load signing keys from PEM or DER files: PKCS#1, PKCS#8, SEC1, SubjectPublicKeyInfo, OpenSSH.

Every failure becomes a one-line :class:`UnusableInput`; callers never see a parser traceback.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from bootdiag.verify.model import UnusableInput

PublicKey = (
    rsa.RSAPublicKey
    | ec.EllipticCurvePublicKey
    | ed25519.Ed25519PublicKey
    | ed448.Ed448PublicKey
    | x25519.X25519PublicKey
    | x448.X448PublicKey
    | dsa.DSAPublicKey
)

# PEM label -> (container name, holds a private key)
_PEM_LABELS: dict[str, tuple[str, bool]] = {
    "RSA PRIVATE KEY": ("pkcs1", True),  # "traditional" OpenSSL RSA form
    "PRIVATE KEY": ("pkcs8", True),  # OpenSSL 3 default for genrsa / genpkey
    "ENCRYPTED PRIVATE KEY": ("pkcs8-encrypted", True),
    "EC PRIVATE KEY": ("sec1", True),
    "PUBLIC KEY": ("spki", False),
    "RSA PUBLIC KEY": ("pkcs1", False),
    "OPENSSH PRIVATE KEY": ("openssh", True),
}

_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n")
_PEM_END = re.compile(rb"-----END ([A-Z0-9 ]{1,64})-----")


def pem_blocks(data: bytes) -> Iterator[tuple[str, bytes]]:
    """``(label, block)`` for each ``-----BEGIN L-----`` line and the first ``-----END L-----`` after
    it, BEGIN to END inclusive, in order. The END markers are indexed once, so a file of many BEGIN
    lines and no END (or ENDs of other labels) costs one pass, not one pass per BEGIN."""
    ends: dict[bytes, list[int]] = {}
    for m in _PEM_END.finditer(data):
        ends.setdefault(m.group(1), []).append(m.start())
    pos = 0
    while (m := _PEM_BEGIN.search(data, pos)) is not None:
        label = m.group(1)
        positions = ends.get(label, ())
        i = bisect.bisect_left(positions, m.end())
        if i == len(positions):
            pos = m.end()
            continue
        stop = positions[i] + len(b"-----END -----") + len(label)
        yield label.decode("ascii"), data[m.start() : stop]
        pos = stop

_CURVE_NAMES = {"secp256r1": "p256", "secp384r1": "p384", "secp521r1": "p521", "secp224r1": "p224", "secp192r1": "p192"}


@dataclass(frozen=True)
class KeyMaterial:
    """A key file: its public key, its private key when the file holds one, and how it was stored."""

    source: str
    public_key: PublicKey
    has_private: bool
    encoding: str  # "pem" | "der" | "raw"
    container: str  # "pkcs1" | "pkcs8" | "sec1" | "spki" | "openssh" | "point"
    private_key: Any = field(default=None, repr=False, compare=False)

    @property
    def algorithm(self) -> str:
        return key_algorithm(self.public_key)

    def describe(self) -> str:
        kind = "private" if self.has_private else "public"
        return f"{self.algorithm} {kind} key ({self.container} {self.encoding.upper()})"


def key_algorithm(public_key: PublicKey) -> str:
    """Short algorithm name: rsa-2048, ecdsa-p256, ed25519, x25519, ..."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve.name
        return f"ecdsa-{_CURVE_NAMES.get(curve, curve)}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "ed448"
    if isinstance(public_key, x25519.X25519PublicKey):
        return "x25519"
    if isinstance(public_key, x448.X448PublicKey):
        return "x448"
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"dsa-{public_key.key_size}"
    return type(public_key).__name__


def public_der(public_key: PublicKey, form: str = "spki") -> bytes:
    """DER of the public key as SubjectPublicKeyInfo ("spki") or, for RSA, PKCS#1 RSAPublicKey ("pkcs1")."""
    fmt = serialization.PublicFormat.PKCS1 if form == "pkcs1" else serialization.PublicFormat.SubjectPublicKeyInfo
    return public_key.public_bytes(serialization.Encoding.DER, fmt)


def same_public_key(a: PublicKey, b: PublicKey) -> bool:
    return public_der(a) == public_der(b)


def is_key_material(data: bytes) -> bool:
    """True if the whole file is a PEM text holding a key block, or one DER structure that parses as a key.

    A binary (say, firmware with an embedded PEM key) is not key material.
    """
    if _is_small_text(data):
        for label, _ in pem_blocks(data):
            if label in _PEM_LABELS:
                return True
    if _looks_like_der_sequence(data):
        try:
            _parse_der(data, "<der>")
        except UnusableInput:
            return False
        return True
    return _raw_p256_point(data, "<raw>") is not None  # random bytes are on the curve with odds ~2^-128


def _is_small_text(data: bytes) -> bool:
    if len(data) > 1 << 20 or b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def load_key(path: str | Path) -> KeyMaterial:
    from bootdiag.core.files import KEY_LIMIT, read_regular

    p = Path(path)
    return parse_key(read_regular(p, KEY_LIMIT, "key", UnusableInput), str(p))


def parse_key(data: bytes, source: str) -> KeyMaterial:
    """Parse key bytes (PEM or DER); raise UnusableInput with one line if they are not a usable key."""
    if not data.strip():
        raise UnusableInput(f"{source}: key file is empty")
    if b"-----BEGIN " in data:
        return _parse_pem(data, source)
    if _looks_like_der_sequence(data):
        return _parse_der(data, source)
    point = _raw_p256_point(data, source)
    if point is not None:
        return point
    raise UnusableInput(f"{source}: not a PEM or DER key file")


def _raw_p256_point(data: bytes, source: str) -> KeyMaterial | None:
    """A bare P-256 public point: X||Y (64 bytes, big-endian), optionally after the 0x04 prefix."""
    raw = data[1:] if len(data) == 65 and data[0] == 0x04 else data
    if len(raw) != 64:
        return None
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"), ec.SECP256R1())
    try:
        public = numbers.public_key()
    except ValueError:
        return None
    return KeyMaterial(source, public, False, "raw", "point")


def _parse_pem(data: bytes, source: str) -> KeyMaterial:
    labels_seen: dict[str, None] = {}
    for label, block in pem_blocks(data):
        if label in _PEM_LABELS:
            return _parse_pem_block(block, label, source)
        labels_seen[label] = None
    if labels_seen:
        shown = list(labels_seen)[:5]
        more = f" and {len(labels_seen) - 5} more" if len(labels_seen) > 5 else ""
        raise UnusableInput(f"{source}: PEM file holds {', '.join(shown)}{more}, not a key")
    raise UnusableInput(f"{source}: broken PEM armour (no matching BEGIN/END lines)")


def _parse_pem_block(block: bytes, label: str, source: str) -> KeyMaterial:
    container, private = _PEM_LABELS[label]
    if container == "pkcs8-encrypted" or b"Proc-Type: 4,ENCRYPTED" in block:
        raise UnusableInput(f"{source}: {_PASSWORD_PROTECTED}")

    def load() -> Any:
        if container == "openssh":
            return serialization.load_ssh_private_key(block, password=None)
        if private:
            # only the public half is used, so RSA's slow private-key consistency check buys nothing
            return serialization.load_pem_private_key(block, password=None, unsafe_skip_rsa_key_validation=True)
        return serialization.load_pem_public_key(block)

    return _key_material(load, source, f"unreadable {label} block", private, "pem", container)


def _parse_der(data: bytes, source: str) -> KeyMaterial:
    container, private = _der_container(data)

    def load() -> Any:
        if private:
            return serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
        return serialization.load_der_public_key(data)

    return _key_material(load, source, "DER data is not a readable key", private, "der", container)


_PASSWORD_PROTECTED = "key is password-protected; give the public key or a decrypted copy"


def _key_material(
    load: Callable[[], Any], source: str, unreadable: str, private: bool, encoding: str, container: str
) -> KeyMaterial:
    """``load()``'s key as KeyMaterial; the library's errors become one line that says what is wrong."""
    try:
        key = load()
    except TypeError:  # the library's way of saying a password is needed
        raise UnusableInput(f"{source}: {_PASSWORD_PROTECTED}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UnusableInput(f"{source}: {unreadable} ({_first_line(exc)})") from None
    public = key.public_key() if private else key
    return KeyMaterial(source, public, private, encoding, container, key if private else None)


def _der_container(data: bytes) -> tuple[str, bool]:
    """Tell the ASN.1 key structures apart by the first element inside the outer SEQUENCE."""
    body = _der_first_child(data)
    if body is None:
        return "unknown", False
    tag, value = body
    if tag == 0x30:  # SubjectPublicKeyInfo starts with AlgorithmIdentifier; EncryptedPrivateKeyInfo too
        return "spki", False
    if tag == 0x02:
        nxt = _der_second_child(data)
        if value == b"\x00" and nxt is not None and nxt[0] == 0x30:
            return "pkcs8", True  # PrivateKeyInfo: version 0, AlgorithmIdentifier, key
        if value in (b"\x00", b"\x01") and nxt is not None and nxt[0] == 0x02:
            return "pkcs1", True  # RSAPrivateKey: version, modulus, ...
        if value == b"\x01" and nxt is not None and nxt[0] == 0x04:
            return "sec1", True  # ECPrivateKey: version 1, privateKey OCTET STRING
        return "pkcs1", False  # RSAPublicKey: modulus, exponent
    return "unknown", False


def _looks_like_der_sequence(data: bytes) -> bool:
    header = _der_header(data, 0)
    return header is not None and data[0] == 0x30 and header[1] + header[0] == len(data)


def _der_header(data: bytes, offset: int) -> tuple[int, int] | None:
    """(header length, content length) of the DER element at offset, or None if malformed."""
    if offset + 2 > len(data):
        return None
    first = data[offset + 1]
    if first < 0x80:
        return 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or offset + 2 + count > len(data):
        return None
    return 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")


def _der_child_at(data: bytes, offset: int) -> tuple[int, bytes, int] | None:
    header = _der_header(data, offset)
    if header is None:
        return None
    start = offset + header[0]
    end = start + header[1]
    if end > len(data):
        return None
    return data[offset], data[start:end], end


def _der_first_child(data: bytes) -> tuple[int, bytes] | None:
    outer = _der_header(data, 0)
    if outer is None:
        return None
    child = _der_child_at(data, outer[0])
    return None if child is None else (child[0], child[1])


def _der_second_child(data: bytes) -> tuple[int, bytes] | None:
    outer = _der_header(data, 0)
    if outer is None:
        return None
    first = _der_child_at(data, outer[0])
    if first is None:
        return None
    second = _der_child_at(data, first[2])
    return None if second is None else (second[0], second[1])


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def platform_digests(key: KeyMaterial) -> dict[str, str]:
    """For every platform the key may serve, the digest it burns or compiles in ({label: hex})."""
    from bootdiag import platforms as registry
    from bootdiag.core.platform import load_function

    found: dict[str, str] = {}
    for platform in registry.platforms():
        if platform.key_digests:
            found.update(load_function(platform.key_digests)(key))
    return found
