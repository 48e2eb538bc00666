"""Encrypted MCUboot images made by `imgtool sign -E` (and `--clear`): bootdiag decrypts as MCUboot does and
agrees with `imgtool verify` run on the payload decrypted by the test (imgtool verify itself hashes the
ciphertext). The decryption here follows imgtool's own encryption code, independently of bootdiag."""
from __future__ import annotations

import functools
import struct

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from bootdiag.verify import verify_bytes
from bootdiag.verify.model import ImageReport, VerifyOptions

from mcuboot_fixtures import (
    WORKDIR, RawTlv, flip_byte, header_fields, imgtool, imgtool_verify, key_path, payload_path, rewrite_unprotected,
    signed_image, unprotected_tlvs,
)

# encryption key type -> the signing key type imgtool pairs it with ("must use the same type of key")
PAIRS = {"rsa-2048": "rsa-2048", "ecdsa-p256": "ecdsa-p256", "x25519": "ed25519"}
# (encryption key, AES key length, HMAC for ECIES)
VARIANTS = [(enc, bits, "256") for enc in PAIRS for bits in (128, 256)] + [("x25519", 256, "512")]


@functools.cache
def encrypted(enc: str, bits: int = 128, hmac_sha: str = "256", clear: bool = False) -> bytes:
    extra = ("-E", str(key_path(enc, "enc")), "--encrypt-keylen", str(bits))
    if enc == "x25519":
        extra += ("--hmac-sha", hmac_sha)
    return signed_image(PAIRS[enc], extra=extra + (("--clear",) if clear else ()))


def decrypted(image: bytes, enc: str) -> bytes:
    """The image with its payload decrypted: the AES key unwrapped from the ENC TLV as imgtool wrapped it."""
    hdr_size, _, img_size = header_fields(image)
    body = image[hdr_size : hdr_size + img_size]
    return image[:hdr_size] + _ctr(aes_key_of(image, enc), body) + image[hdr_size + img_size :]


def aes_key_of(image: bytes, enc: str) -> bytes:
    """The AES key imgtool wrapped into the image's ENC TLV for the encryption key ``enc``."""
    flags = struct.unpack_from("<I", image, 16)[0]
    key_len = 32 if flags & 0x8 else 16
    tlv = next(t for t in unprotected_tlvs(image) if 0x30 <= t.type <= 0x34)
    value = image[tlv.offset + 4 : tlv.offset + 4 + tlv.length]
    private = serialization.load_pem_private_key(key_path(enc, "enc").read_bytes(), None)
    if tlv.type == 0x30:
        aes_key = private.decrypt(value, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    else:
        digest = hashes.SHA512() if tlv.type == 0x34 else hashes.SHA256()
        point = 65 if tlv.type == 0x32 else 32
        peer = (ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), value[:point]) if point == 65
                else x25519.X25519PublicKey.from_public_bytes(value[:point]))
        shared = private.exchange(ec.ECDH(), peer) if point == 65 else private.exchange(peer)
        derived = HKDF(digest, key_len + digest.digest_size, None, b"MCUBoot_ECIES_v1").derive(shared)
        cipherkey = value[point + digest.digest_size :]
        mac = hmac.HMAC(derived[key_len:], digest)
        mac.update(cipherkey)
        mac.verify(value[point : point + digest.digest_size])
        aes_key = _ctr(derived[:key_len], cipherkey)
    return aes_key


def _ctr(key: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def check(image: bytes, enc: str | None, signer: str, **options: object) -> ImageReport:
    enc_key = {"enc_key": str(key_path(enc, "enc"))} if enc else {}
    return verify_bytes(image, "enc.bin", VerifyOptions(keys=[str(key_path(signer))], **enc_key, **options))


def ids(report: ImageReport) -> list[str]:
    return [p.id for p in report.all_problems()]


@pytest.mark.parametrize(("enc", "bits", "hmac_sha"), VARIANTS, ids=[f"{e}-aes{b}-sha{h}" for e, b, h in VARIANTS])
def test_encrypted_image_agrees_with_imgtool_on_the_decrypted_payload(enc: str, bits: int, hmac_sha: str) -> None:
    image = encrypted(enc, bits, hmac_sha)
    signer = PAIRS[enc]
    assert imgtool_verify(image, key_path(signer)).rc != 0  # imgtool hashes the ciphertext
    assert imgtool_verify(decrypted(image, enc), key_path(signer)).rc == 0
    report = check(image, enc, signer)
    assert report.verdict == "valid", (ids(report), report.missing)
    assert any(c.startswith(f"AES-{bits} key unwrapped") for c in report.checked)
    # a tampered ciphertext decrypts to another payload: MCUboot's hash check fails, and so does bootdiag's
    hdr_size, _, img_size = header_fields(image)
    tampered = flip_byte(image, hdr_size + img_size // 2)
    assert imgtool_verify(decrypted(tampered, enc), key_path(signer)).rc != 0
    assert ids(check(tampered, enc, signer)) == ["mcuboot.hash_mismatch"]


@pytest.mark.parametrize("enc", list(PAIRS))
def test_without_the_encryption_key_the_payload_is_not_checked(enc: str) -> None:
    report = check(encrypted(enc), None, PAIRS[enc])
    assert (report.verdict, ids(report)) == ("not_checked", [])
    assert report.missing == ["an encryption key (--enc-key): encrypted: payload hash not checked"]
    assert report.info["hash"]["note"] == "encrypted: payload hash not checked"


@pytest.mark.parametrize("enc", list(PAIRS))
def test_another_encryption_key_cannot_unwrap(enc: str) -> None:
    other = str(key_path(enc, "other"))
    report = verify_bytes(encrypted(enc), "enc.bin", VerifyOptions(keys=[str(key_path(PAIRS[enc]))], enc_key=other))
    assert ids(report) == ["mcuboot.enc_key_mismatch"]
    mismatched = "x25519" if enc != "x25519" else "rsa-2048"
    report = check(encrypted(enc), mismatched, PAIRS[enc])
    assert ids(report) == ["mcuboot.enc_key_mismatch"] and "wrapped for" in report.all_problems()[0].message


def test_clear_image_is_checked_as_plaintext() -> None:
    image = encrypted("x25519", clear=True)
    assert imgtool_verify(image, key_path("ed25519")).rc == 0
    report = check(image, None, "ed25519")
    assert report.verdict == "valid"
    assert "ENCRYPTED_AES128" in report.info["header"]["flag_names"]
    assert report.info["encryption"]["payload"].startswith("plaintext")
    changed = flip_byte(image, 0x300)
    assert imgtool_verify(changed, key_path("ed25519")).rc != 0
    # changed plaintext cannot be told from ciphertext without the key: not valid, and invalid with it
    assert check(changed, None, "ed25519").verdict == "not_checked"
    assert ids(check(changed, "x25519", "ed25519")) == ["mcuboot.hash_mismatch"]


def test_encrypted_intel_hex_from_imgtool() -> None:
    out = WORKDIR / "enc.hex"
    result = imgtool("sign", "-k", key_path("ed25519"), "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x20000",
                     "-x", "0xc000", "-E", key_path("x25519", "enc"), payload_path(), out)
    assert result.rc == 0, result.output
    report = verify_bytes(out.read_bytes(), str(out), VerifyOptions(keys=[str(key_path("ed25519"))],
                                                                     enc_key=str(key_path("x25519", "enc"))))
    assert (report.format, report.container, report.verdict) == ("mcuboot", "intel-hex", "valid")
    assert report.info["container"]["regions"][0]["address"] == "0xc000"


def with_key_wrap_tlv(image: bytes, enc: str, kek: bytes) -> bytes:
    """The imgtool image with its ENC TLV replaced by ENC_KW (0x31): the same AES key wrapped under ``kek``
    with RFC 3394 key wrap, as MCUboot's boot_enc_decrypt reads it (imgtool writes no ENC_KW itself). The
    unprotected TLVs are outside the signed hash, so the signature still holds."""
    def entry(tlv: RawTlv, raw: bytes) -> bytes:
        if not 0x30 <= tlv.type <= 0x34:
            return raw
        wrapped = aes_key_wrap(kek, aes_key_of(image, enc))
        return struct.pack("<BxH", 0x31, len(wrapped)) + wrapped

    return rewrite_unprotected(image, entry)


@pytest.mark.parametrize("bits", [128, 256])
def test_key_wrap_encrypted_image(bits: int, tmp_path) -> None:
    kek = bytes(range(16))
    image = with_key_wrap_tlv(encrypted("ecdsa-p256", bits), "ecdsa-p256", kek)
    (tmp_path / "kek.bin").write_bytes(kek)
    (tmp_path / "kek.hex").write_text(kek.hex() + "\n")
    (tmp_path / "other.bin").write_bytes(bytes(16))
    signer = str(key_path("ecdsa-p256"))

    def verify(data: bytes, enc_key: str) -> ImageReport:
        return verify_bytes(data, "kw.bin", VerifyOptions(keys=[signer], enc_key=str(tmp_path / enc_key)))

    for key_file in ("kek.bin", "kek.hex"):
        report = verify(image, key_file)
        assert report.verdict == "valid", (ids(report), report.missing)
        assert any(c.startswith(f"AES-{bits} key unwrapped") for c in report.checked)
    assert ids(verify(image, "other.bin")) == ["mcuboot.enc_key_mismatch"]
    hdr_size, _, img_size = header_fields(image)
    assert ids(verify(flip_byte(image, hdr_size + img_size // 2), "kek.bin")) == ["mcuboot.hash_mismatch"]
    # an EC private key is the wrong kind for a key-wrapped AES key
    report = check(image, "ecdsa-p256", "ecdsa-p256")
    assert ids(report) == ["mcuboot.enc_key_mismatch"] and "wrapped for" in report.all_problems()[0].message
