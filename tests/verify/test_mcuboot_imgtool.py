"""Differential tests: bootdiag and ``imgtool verify -k KEY IMG`` must agree on every imgtool-made image."""
from __future__ import annotations

import itertools
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bootdiag.platforms.mcuboot import image as mcuboot
from bootdiag.verify.model import VerifyOptions

from mcuboot_fixtures import (
    KEY_TYPES,
    WORKDIR,
    flip_byte,
    header_fields,
    imgtool,
    imgtool_verify,
    key_path,
    payload_path,
    signature_tlv,
    signed_image,
    strip_tlvs,
    unprotected_area,
)

VARIANTS = list(itertools.product(KEY_TYPES, ("hash", "full"), (None, "NSPE"), (None, "7")))


def _variant_id(variant: tuple[str, str, str | None, str | None]) -> str:
    key_type, key_format, record, counter = variant
    return f"{key_type}-{key_format}-{'rec' if record else 'norec'}-{'sc' if counter else 'nosc'}"


def _payload_offset(image: bytes) -> int:
    hdr_size, _, img_size = header_fields(image)
    return hdr_size + img_size // 2


def _area_ending_before_signature(image: bytes) -> bytes:
    """it_tlv_tot shortened so that the area ends on the entry boundary before the signature TLV."""
    start, _ = unprotected_area(image)
    data = bytearray(image)
    struct.pack_into("<H", data, start + 2, signature_tlv(image).offset - start)
    return bytes(data)


def _truncate_in_tlvs(image: bytes) -> bytes:
    start, total = unprotected_area(image)
    return image[: start + total // 2]


# tamper name -> (how to change the image, which key verifies it, the problem bootdiag must name)
Tamper = tuple[Callable[[bytes], bytes], str, str | None]
TAMPERS: dict[str, Tamper] = {
    "intact": (lambda img: img, "a", None),
    "header_version_byte": (lambda img: flip_byte(img, 0x14), "a", "mcuboot.hash_mismatch"),
    "header_magic_byte": (lambda img: flip_byte(img, 0x1), "a", "mcuboot.bad_magic"),
    "payload_byte": (lambda img: flip_byte(img, _payload_offset(img)), "a", "mcuboot.hash_mismatch"),
    "signature_byte": (lambda img: flip_byte(img, signature_tlv(img).offset + 12), "a", "mcuboot.signature_invalid"),
    "wrong_key": (lambda img: img, "b", "mcuboot.wrong_key"),
    "stripped_signature": (lambda img: strip_tlvs(img, {0x20, 0x22, 0x23, 0x24}), "a", "mcuboot.no_signature"),
    "truncated_in_tlvs": (_truncate_in_tlvs, "a", "mcuboot.truncated"),
    "area_ends_before_signature": (_area_ending_before_signature, "a", "mcuboot.tlv_area_too_short"),
    "truncated_in_payload": (lambda img: img[: _payload_offset(img)], "a", "mcuboot.truncated"),
    "truncated_in_header": (lambda img: img[:20], "a", "mcuboot.truncated"),
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
@pytest.mark.parametrize("variant", VARIANTS, ids=_variant_id)
def test_agrees_with_imgtool_verify(variant: tuple[str, str, str | None, str | None], tamper: str) -> None:
    key_type, key_format, record, counter = variant
    change, key_name, expected_problem = TAMPERS[tamper]
    image = change(signed_image(key_type, key_format, record, counter))
    key = key_path(key_type, key_name)

    reference = imgtool_verify(image, key)
    report = mcuboot.verify(image, "img.bin", VerifyOptions(keys=[str(key)]))

    assert report.ok == (reference.rc == 0), (report.problems, reference.output)
    if expected_problem is None:
        assert report.problems == []
    else:
        assert report.has(expected_problem), [p.id for p in report.problems]


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_image_without_key_tlv_source_names_missing_signature(key_type: str) -> None:
    unsigned = signed_image(None)
    assert imgtool_verify(unsigned, key_path(key_type)).rc != 0
    report = mcuboot.verify(unsigned, "img.bin", VerifyOptions(keys=[str(key_path(key_type))]))
    assert not report.ok
    assert report.has("mcuboot.no_signature")


def test_tlv_listing_matches_what_imgtool_wrote() -> None:
    image = signed_image("ecdsa-p256", "hash", "NSPE", "7")
    report = mcuboot.verify(image, "img.bin", VerifyOptions())
    listing = [(t["area"], t["name"], t["length"]) for t in report.info["tlvs"]]
    assert listing[:3] == [("protected", "SEC_CNT", 4), ("protected", "BOOT_RECORD", 92), ("unprotected", "SHA256", 32)]
    assert listing[3] == ("unprotected", "KEYHASH", 32)
    assert listing[4][:2] == ("unprotected", "ECDSA_SIG")
    assert [t["type"] for t in report.info["tlvs"]] == [0x50, 0x60, 0x10, 0x01, 0x22]


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_keyhash_and_digest_match_imgtool(key_type: str) -> None:
    image = signed_image(key_type)
    reference = imgtool_verify(image, key_path(key_type))
    report = mcuboot.verify(image, "img.bin", VerifyOptions(keys=[str(key_path(key_type))]))
    assert f"Image digest: {report.info['hash']['computed']}" in reference.output
    assert report.info["signer"]["matching_keys"] == [str(key_path(key_type))]
    expected_hash = "SHA384" if key_type == "ecdsa-p384" else "SHA256"
    assert report.info["hash"]["type"] == expected_hash


@pytest.mark.parametrize("key_type", ["rsa-2048", "ecdsa-p256", "ed25519"])
def test_mcuboot_key_hash_equals_imgtool_getpubhash(key_type: str) -> None:
    from bootdiag.verify.keys import load_key

    out = WORKDIR / f"{key_type}.hash"
    assert imgtool("getpubhash", "-k", key_path(key_type), "-e", "raw", "-o", out).rc == 0
    assert mcuboot.mcuboot_key_hash(load_key(key_path(key_type)).public_key) == out.read_bytes()


def test_embedded_pubkey_is_used_when_no_key_is_given() -> None:
    image = signed_image("ecdsa-p256", "full")
    # the embedded key makes the image self-consistent, not trusted: partly checked
    report = mcuboot.verify(image, "img.bin", VerifyOptions())
    assert (report.verdict, report.problems) == ("not_checked", [])
    broken = flip_byte(image, signature_tlv(image).offset + 12)
    report = mcuboot.verify(broken, "img.bin", VerifyOptions())
    assert report.has("mcuboot.signature_invalid")


def test_altered_keyhash_is_wrong_key_although_imgtool_ignores_it() -> None:
    # imgtool verify only checks the signature math; bootutil looks the key up by KEYHASH first
    image = signed_image("ecdsa-p256")
    keyhash = next(t for t in _unprotected(image) if t[0] == 0x01)
    altered = flip_byte(image, keyhash[1] + 4)
    assert imgtool_verify(altered, key_path("ecdsa-p256")).rc == 0
    report = mcuboot.verify(altered, "img.bin", VerifyOptions(keys=[str(key_path("ecdsa-p256"))]))
    assert report.has("mcuboot.wrong_key")
    assert report.info["signature_check"].startswith("verified")


def test_key_of_another_algorithm_is_wrong_key() -> None:
    image = signed_image("ecdsa-p384")
    assert imgtool_verify(image, key_path("ecdsa-p256")).rc != 0
    report = mcuboot.verify(image, "img.bin", VerifyOptions(keys=[str(key_path("rsa-2048"))]))
    assert [p.id for p in report.problems] == ["mcuboot.wrong_key"]


def test_any_of_several_keys_may_verify() -> None:
    image = signed_image("ed25519")
    keys = [str(key_path("rsa-2048")), str(key_path("ed25519", "b")), str(key_path("ed25519"))]
    report = mcuboot.verify(image, "img.bin", VerifyOptions(keys=keys))
    assert report.ok
    assert report.info["signature_check"] == f"verified with {key_path('ed25519')}"


def test_imgtool_command_line_agrees_too() -> None:
    """One round trip through the real console scripts, not the in-process CLI."""
    exe = Path(sys.executable).parent / "imgtool"
    out = WORKDIR / "cli-signed.bin"
    key = key_path("ecdsa-p256")
    sign = [exe, "sign", "-k", key, "-v", "0.1.0", "-H", "0x200", "--pad-header", "-S", "0x10000"]
    subprocess.run([*sign, payload_path(), out], check=True, capture_output=True)
    verify = subprocess.run([exe, "verify", "-k", key, out], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout
    assert mcuboot.verify(out.read_bytes(), str(out), VerifyOptions(keys=[str(key)])).ok


def _unprotected(image: bytes) -> list[tuple[int, int]]:
    from mcuboot_fixtures import unprotected_tlvs

    return [(t.type, t.offset) for t in unprotected_tlvs(image)]


def test_area_ending_before_the_signature_is_not_called_unsigned() -> None:
    image = _area_ending_before_signature(signed_image("ecdsa-p256"))
    assert imgtool_verify(image, key_path("ecdsa-p256")).rc != 0
    report = mcuboot.verify(image, "img.bin", VerifyOptions(keys=[str(key_path("ecdsa-p256"))]))
    assert [p.id for p in report.problems] == ["mcuboot.tlv_area_too_short"]
    assert report.problems[0].detail["beyond"] == ["ECDSA_SIG"]
