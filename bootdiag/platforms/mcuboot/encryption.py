"""MCUboot image encryption: unwrap the AES key from the ENC TLV with the private key, decrypt the payload.

Facts (MCUboot ``boot/bootutil/src/encrypted.c`` boot_decrypt_key, ``enc_key_public.h``, imgtool
``image.py`` create/ecies_hkdf):
- the payload (``ih_hdr_size`` .. ``ih_hdr_size + ih_img_size``) is AES-CTR encrypted with a random
  AES-128 or AES-256 key (header flag ENCRYPTED_AES128 / ENCRYPTED_AES256), counter block starting at 0;
  header and TLVs stay in plaintext, and the image hash covers the plaintext;
- ENC_RSA2048 (0x30): the AES key, RSA-OAEP (SHA-256, MGF1-SHA-256) encrypted, 256 bytes;
- ENC_KW (0x31): the AES key wrapped with AES key wrap (RFC 3394) under a shared key, key size + 8 bytes;
- ENC_EC256 (0x32) / ENC_X25519 (0x33): ECIES: ephemeral public key (65-byte uncompressed P-256 point,
  or 32-byte X25519), HMAC-SHA-256 tag (32), AES key encrypted with AES-CTR (counter 0); ECDH with the
  private key, then HKDF-SHA-256 (no salt, info "MCUBoot_ECIES_v1") gives the AES-CTR key followed by
  the 32-byte HMAC key; the tag is the HMAC of the encrypted key;
- ENC_X25519_SHA512 (0x34): as ENC_X25519 with HKDF and HMAC over SHA-512 (64-byte tag and HMAC key).
"""
from __future__ import annotations

import hmac as std_hmac
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bootdiag.verify.model import UnusableInput

TLV_ENC_RSA2048, TLV_ENC_KW, TLV_ENC_EC256, TLV_ENC_X25519, TLV_ENC_X25519_SHA512 = 0x30, 0x31, 0x32, 0x33, 0x34
ENC_TLVS = (TLV_ENC_RSA2048, TLV_ENC_KW, TLV_ENC_EC256, TLV_ENC_X25519, TLV_ENC_X25519_SHA512)
FLAG_AES128, FLAG_AES256 = 0x004, 0x008  # image.h IMAGE_F_ENCRYPTED_AES128 / _AES256

ECIES_INFO = b"MCUBoot_ECIES_v1"
RSA_TLV_SIZE = 256
EC256_POINT_SIZE = 65
X25519_POINT_SIZE = 32

# ECIES TLVs: the key kind, the ephemeral point's size, the HKDF/HMAC hash
ECIES: dict[int, tuple[str, int, hashes.HashAlgorithm]] = {
    TLV_ENC_EC256: ("ec-p256", EC256_POINT_SIZE, hashes.SHA256()),
    TLV_ENC_X25519: ("x25519", X25519_POINT_SIZE, hashes.SHA256()),
    TLV_ENC_X25519_SHA512: ("x25519", X25519_POINT_SIZE, hashes.SHA512()),
}

# what each ENC TLV needs, for messages
NEEDS = {
    TLV_ENC_RSA2048: "an RSA-2048 private key",
    TLV_ENC_KW: "the 16- or 32-byte AES key-wrap key",
    TLV_ENC_EC256: "an EC P-256 private key",
    TLV_ENC_X25519: "an X25519 private key",
    TLV_ENC_X25519_SHA512: "an X25519 private key",
}


class EncKeyMismatch(Exception):
    """The given encryption key cannot unwrap this image's AES key (another key, or another kind)."""


@dataclass(frozen=True)
class EncryptionKey:
    source: str
    kind: str  # "rsa" | "ec-p256" | "x25519" | "aes-kw" | another curve's name
    key: Any  # the private key object, or the key-wrap key bytes

    def describe(self) -> str:
        return {"rsa": f"RSA-{getattr(self.key, 'key_size', '?')}", "ec-p256": "EC P-256", "x25519": "X25519",
                "aes-kw": f"AES-{len(self.key) * 8 if isinstance(self.key, bytes) else '?'} key-wrap"}.get(self.kind, self.kind)


def load_encryption_key(path: str) -> EncryptionKey:
    """The private key (PEM/DER) or key-wrap key (16/32 raw bytes or hex) --enc-key names."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UnusableInput(f"{path}: no such encryption key file") from None
    except OSError as exc:
        raise UnusableInput(f"{path}: cannot read encryption key file ({exc.strerror})") from None
    if b"-----BEGIN " in data:
        return _private_key(data, path)
    # before DER: a raw key-wrap key may begin with 0x30 and hex text with "0"; no DER private key is 16 or 32 bytes
    wrap_key = _key_wrap_bytes(data)
    if wrap_key is not None:
        return EncryptionKey(path, "aes-kw", wrap_key)
    if data[:1] == b"\x30":
        return _private_key(data, path)
    raise UnusableInput(f"{path}: not an encryption key (a PEM/DER private key, or a 16/32-byte AES key-wrap key)")


def _private_key(data: bytes, path: str) -> EncryptionKey:
    if b"PUBLIC KEY-----" in data:
        raise UnusableInput(f"{path}: a public key; decrypting an image needs the private encryption key")
    loaders = (serialization.load_pem_private_key,) if b"-----BEGIN " in data else (serialization.load_der_private_key,)
    try:
        key = loaders[0](data, None, unsafe_skip_rsa_key_validation=True)
    except TypeError:
        raise UnusableInput(f"{path}: encryption key is password-protected; give a decrypted copy") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnusableInput(f"{path}: not a readable private key ({first})") from None
    if isinstance(key, rsa.RSAPrivateKey):
        return EncryptionKey(path, "rsa", key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        name = "ec-p256" if key.curve.name == "secp256r1" else f"ec-{key.curve.name}"
        return EncryptionKey(path, name, key)
    if isinstance(key, x25519.X25519PrivateKey):
        return EncryptionKey(path, "x25519", key)
    raise UnusableInput(f"{path}: a {type(key).__name__.lstrip('_')} key cannot decrypt MCUboot images "
                        "(RSA-2048, EC P-256, X25519 or an AES key-wrap key)")


def _key_wrap_bytes(data: bytes) -> bytes | None:
    if len(data) in (16, 32):
        return data
    text = data.strip().lower().removeprefix(b"0x")
    if re.fullmatch(rb"[0-9a-f]{32}|[0-9a-f]{64}", text):
        return bytes.fromhex(text.decode())
    return None


def aes_key_length(flags: int) -> int:
    return 32 if flags & FLAG_AES256 else 16


def unwrap_aes_key(tlv_type: int, value: bytes, key_len: int, key: EncryptionKey) -> bytes:
    """The image's AES key, as boot_decrypt_key gets it; EncKeyMismatch when this key cannot."""
    if tlv_type == TLV_ENC_RSA2048:
        return _unwrap_rsa(value, key_len, key)
    if tlv_type == TLV_ENC_KW:
        return _unwrap_kw(value, key_len, key)
    if tlv_type in ECIES:
        return _unwrap_ecies(value, key_len, key, tlv_type)
    raise EncKeyMismatch(f"unknown encryption TLV 0x{tlv_type:02x}")


def _kind_fits(key: EncryptionKey, kind: str, tlv_type: int) -> None:
    if key.kind != kind:
        raise EncKeyMismatch(f"the image's AES key is wrapped for {NEEDS[tlv_type]}; "
                             f"{key.source} is {key.describe()}")


def _unwrap_rsa(value: bytes, key_len: int, key: EncryptionKey) -> bytes:
    _kind_fits(key, "rsa", TLV_ENC_RSA2048)
    if len(value) != RSA_TLV_SIZE:
        raise EncKeyMismatch(f"ENC_RSA2048 TLV is {len(value)} bytes; MCUboot reads exactly {RSA_TLV_SIZE}")
    try:
        plain = key.key.decrypt(value, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    except ValueError:
        raise EncKeyMismatch(f"RSA-OAEP decryption with {key.source} fails: the AES key was encrypted "
                             "for another key") from None
    if len(plain) != key_len:
        raise EncKeyMismatch(f"the unwrapped AES key is {len(plain)} bytes; the header flags say {key_len}")
    return plain


def _unwrap_kw(value: bytes, key_len: int, key: EncryptionKey) -> bytes:
    _kind_fits(key, "aes-kw", TLV_ENC_KW)
    if len(value) != key_len + 8:
        raise EncKeyMismatch(f"ENC_KW TLV is {len(value)} bytes; an AES-{key_len * 8} key wraps to {key_len + 8}")
    try:
        return aes_key_unwrap(key.key, value)
    except (InvalidUnwrap, ValueError):
        raise EncKeyMismatch(f"AES key unwrap with {key.source} fails its integrity check: wrapped with "
                             "another key") from None


def _unwrap_ecies(value: bytes, key_len: int, key: EncryptionKey, tlv_type: int) -> bytes:
    kind, point_size, digest = ECIES[tlv_type]
    _kind_fits(key, kind, tlv_type)
    tag_size = digest.digest_size
    expected = point_size + tag_size + key_len
    if len(value) != expected:
        raise EncKeyMismatch(f"ECIES TLV is {len(value)} bytes; with an AES-{key_len * 8} key it is {expected}")
    point, tag, cipherkey = value[:point_size], value[point_size : point_size + tag_size], value[point_size + tag_size :]
    try:
        if kind == "ec-p256":
            peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            shared = key.key.exchange(ec.ECDH(), peer)
        else:
            shared = key.key.exchange(x25519.X25519PublicKey.from_public_bytes(point))
    except ValueError:
        raise EncKeyMismatch("the ephemeral public key in the ECIES TLV is not a valid point") from None
    derived = HKDF(algorithm=digest, length=key_len + tag_size, salt=None, info=ECIES_INFO).derive(shared)
    mac = hmac.HMAC(derived[key_len:], digest)
    mac.update(cipherkey)
    if not std_hmac.compare_digest(mac.finalize(), tag):
        raise EncKeyMismatch(f"the ECIES tag does not match with {key.source}: the AES key was encrypted "
                             "for another key")
    return aes_ctr(derived[:key_len], cipherkey)


def aes_ctr(key: bytes, data: bytes) -> bytes:
    """AES-CTR with the counter block starting at zero, as imgtool encrypts and bootutil decrypts."""
    decryptor = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).decryptor()
    return decryptor.update(data) + decryptor.finalize()
