"""Secure Boot V1/V2 checks, differential against `espsecure verify-signature` on signed and tampered images."""
from __future__ import annotations

import functools
import json
import struct
import zlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bootdiag.verify.model import UnusableInput
from esp_fixtures import (
    build_app,
    build_bootloader,
    efuse_summaries,
    espsecure_verifies,
    flipped,
    image_info,
    image_info_field,
    merge_bin,
    patched,
    problem_ids,
    sbv2_key_digest_hex,
    scratch,
    sign,
    signing_key,
    verify,
    work_dir,
)

SECTOR = 4096
BLOCK = 1216
# (espsecure scheme, chip the image is built for); P-192 is the ESP32-C2's, P-384 the ESP32-C5's
SBV2_SCHEMES = [("rsa3072", "esp32"), ("ecdsa256", "esp32s3"), ("ecdsa384", "esp32s3"), ("ecdsa192", "esp32c2")]


@functools.lru_cache(maxsize=None)
def signed_bootloader(scheme: str, chip: str, key_name: str = "a") -> bytes:
    return sign(build_bootloader(chip), 2, signing_key(scheme, key_name))


def _with_block_crc_fixed(data: bytes, block_index: int = 0) -> bytes:
    start = len(data) - SECTOR + block_index * BLOCK
    crc = zlib.crc32(data[start : start + 1196])
    return patched(data, start + 1196, struct.pack("<I", crc))


def _edit_block(offset_in_block: int) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        return _with_block_crc_fixed(flipped(data, len(data) - SECTOR + offset_in_block))

    return edit


def _other_flash_size(data: bytes) -> bytes:
    return patched(data, 3, bytes([(data[3] & 0x0F) | 0x30]))  # "8MB"


# name -> (tamper, problem ids bootdiag must name). Verified with key 'a' unless the case says otherwise.
SBV2_CASES: dict[str, tuple[Callable[[bytes], bytes], set[str]]] = {
    "pristine": (lambda d: d, set()),
    "header_flash_size_byte": (_other_flash_size, {"esp.image.hash_mismatch", "esp.sbv2.digest_mismatch"}),
    "payload_byte": (
        lambda d: flipped(d, 0x100),
        {"esp.image.checksum_mismatch", "esp.image.hash_mismatch", "esp.sbv2.digest_mismatch"},
    ),
    "padding_before_sector": (lambda d: flipped(d, len(d) - SECTOR - 1), {"esp.sbv2.digest_mismatch"}),
    "block_byte_crc_stale": (lambda d: flipped(d, len(d) - SECTOR + 200), {"esp.sbv2.no_signature_block"}),
    "signature_byte_crc_fixed": (_edit_block(-1), {"esp.sbv2.signature_invalid"}),  # filled in per scheme below
    "block_digest_crc_fixed": (_edit_block(10), {"esp.sbv2.digest_mismatch", "esp.sbv2.signature_invalid"}),
    "stripped_signature": (lambda d: d[:-SECTOR], {"esp.sbv2.no_signature_block"}),
    "sector_cut_short": (lambda d: d[:-100], {"esp.image.truncated"}),
    "cut_inside_block_0": (lambda d: d[: -SECTOR + 600], {"esp.image.truncated", "esp.sbv2.no_signature_block"}),
    "cut_inside_image": (lambda d: d[:1500], {"esp.image.truncated"}),
}

SCHEME_NAMES = {"rsa3072": "RSA-3072", "ecdsa256": "ECDSA-P256", "ecdsa384": "ECDSA-P384", "ecdsa192": "ECDSA-P192"}
# Where each scheme keeps its signature inside a block (IDF rom/secure_boot.h / espsecure block layouts).
SIGNATURE_OFFSET = {"rsa3072": 812, "ecdsa256": 101, "ecdsa384": 149, "ecdsa192": 101}


@pytest.mark.parametrize(("scheme", "chip"), SBV2_SCHEMES, ids=[s for s, _ in SBV2_SCHEMES])
@pytest.mark.parametrize("case", list(SBV2_CASES))
def test_sbv2_agrees_with_espsecure(scheme: str, chip: str, case: str) -> None:
    tamper, expected = SBV2_CASES[case]
    if case == "signature_byte_crc_fixed":
        tamper = _edit_block(SIGNATURE_OFFSET[scheme] + 5)
    key = signing_key(scheme)
    data = tamper(signed_bootloader(scheme, chip))

    report = verify(data, keys=[str(key)])

    assert problem_ids(report) == expected
    assert report.ok == espsecure_verifies(2, key, data)
    assert report.ok == (case == "pristine")


@pytest.mark.parametrize(("scheme", "chip"), SBV2_SCHEMES, ids=[s for s, _ in SBV2_SCHEMES])
def test_sbv2_wrong_key_agrees_with_espsecure(scheme: str, chip: str) -> None:
    data = signed_bootloader(scheme, chip)
    other = signing_key(scheme, "b")
    report = verify(data, keys=[str(other)])
    assert problem_ids(report) == {"esp.sbv2.wrong_key"}
    assert not espsecure_verifies(2, other, data)
    # and the block itself is fine: without a key to compare against nothing is wrong, but it is not trusted
    unchecked = verify(data)
    assert (unchecked.verdict, unchecked.problems) == ("not_checked", [])
    assert unchecked.missing[0].startswith("a trusted key")


@pytest.mark.parametrize(("scheme", "chip"), SBV2_SCHEMES, ids=[s for s, _ in SBV2_SCHEMES])
def test_sbv2_info_names_scheme_and_key_digest_like_espsecure(scheme: str, chip: str) -> None:
    report = verify(signed_bootloader(scheme, chip))
    (block,) = report.info["signature"]["blocks"]
    assert block["key_digest"] == sbv2_key_digest_hex(signing_key(scheme))
    assert block["scheme"] == SCHEME_NAMES[scheme]
    assert report.info["signature"]["sector_offset"] == len(signed_bootloader(scheme, chip)) - SECTOR


def test_trailing_data_after_sector_ok_for_rom_but_not_espsecure() -> None:
    # The ROM finds the sector right after the 4 KB-aligned image; espsecure assumes the file's last 4 KB.
    key = signing_key("rsa3072")
    data = signed_bootloader("rsa3072", "esp32") + b"\xff" * SECTOR
    assert verify(data, keys=[str(key)]).ok
    assert not espsecure_verifies(2, key, data)


def test_signed_app_with_secure_pad_layout() -> None:
    key = signing_key("ecdsa256")
    data = sign(build_app("esp32s3"), 2, key)
    report = verify(data, keys=[str(key)])
    assert (report.format, report.ok) == ("esp-app", True)
    assert espsecure_verifies(2, key, data)


# ---------------------------------------------------------------------------------------------------------
# Header rewritten after signing


def test_merge_bin_header_rewrite_with_recomputed_sha() -> None:
    key = signing_key("rsa3072")
    signed = signed_bootloader("rsa3072", "esp32")
    merged, log = merge_bin({0x1000: signed}, "--flash-mode", "qio", "--flash-size", "8MB", "--flash-freq", "80m")
    assert "Flash parameters set to 0x003f" in log and "SHA digest in image updated" in log
    rewritten = merged[0x1000:]
    assert image_info_field(image_info(rewritten), "Validation hash").endswith("(valid)")
    assert not espsecure_verifies(2, key, rewritten)

    for report in (verify(merged, keys=[str(key)]), verify(merged, offset=0x1000)):
        assert report.info["offset"] == 0x1000
        (problem,) = report.problems
        assert problem.id == "esp.sbv2.digest_mismatch"
        assert "signed as DIO/4MB/40m, header now QIO/8MB/80m: rewritten by esptool" in problem.message
        rewrite = problem.detail["header_rewrite"]
        assert rewrite["signed"]["header_bytes"] == "0x0220"
        assert rewrite["current"]["header_bytes"] == "0x003f"
        assert rewrite["appended_sha256"] == "recomputed"


def test_header_rewrite_with_stale_sha_like_esptool_3() -> None:
    # esptool <= 3.x rewrote bytes 2-3 and left the appended SHA-256 alone
    key = signing_key("ecdsa256")
    data = patched(signed_bootloader("ecdsa256", "esp32s3"), 2, b"\x00\x4f")
    assert image_info_field(image_info(data), "Validation hash").endswith("(invalid)")
    assert not espsecure_verifies(2, key, data)
    report = verify(data, keys=[str(key)])
    assert problem_ids(report) == {"esp.image.hash_mismatch", "esp.sbv2.digest_mismatch"}
    (problem,) = [p for p in report.problems if p.id == "esp.sbv2.digest_mismatch"]
    assert "signed as DIO/4MB/40m, header now QIO/16MB/80m" in problem.message
    assert problem.detail["header_rewrite"]["appended_sha256"] == "stale"


def test_header_rewrite_of_image_without_appended_sha() -> None:
    key = signing_key("ecdsa256")
    signed = sign(build_bootloader("esp32s3", append_digest=False), 2, key)
    merged, _ = merge_bin({0x0: signed}, "--flash-mode", "dout", chip="esp32s3")
    report = verify(merged)
    (problem,) = report.problems
    assert problem.detail["header_rewrite"]["appended_sha256"] == "absent"
    assert problem.detail["header_rewrite"]["current"]["flash_mode"] == "DOUT"
    assert not espsecure_verifies(2, key, merged)


def test_payload_change_is_not_blamed_on_a_header_rewrite() -> None:
    data = patched(_other_flash_size(signed_bootloader("rsa3072", "esp32")), 0x200, b"\x00")
    problem = next(p for p in verify(data).problems if p.id == "esp.sbv2.digest_mismatch")
    assert "header_rewrite" not in problem.detail
    assert "changed after signing" in problem.message


# ---------------------------------------------------------------------------------------------------------
# Trusted keys: --key-digest and espefuse summaries


def test_key_digests_option() -> None:
    data = signed_bootloader("ecdsa256", "esp32s3")
    mine, other = sbv2_key_digest_hex(signing_key("ecdsa256")), sbv2_key_digest_hex(signing_key("ecdsa256", "b"))
    assert verify(data, key_digests=[mine]).ok
    assert verify(data, key_digests=[" ".join(mine[i : i + 2] for i in range(0, 64, 2))]).ok
    assert problem_ids(verify(data, key_digests=[other])) == {"esp.sbv2.wrong_key"}
    assert verify(data, key_digests=[other, mine]).ok
    with pytest.raises(UnusableInput):
        verify(data, key_digests=["not hex"])
    with pytest.raises(UnusableInput):
        verify(data, key_digests=["abcd"])


@pytest.mark.parametrize("summary", ["s3_text", "s3_json"])
def test_efuse_summary_digest(summary: str) -> None:
    path = str(efuse_summaries()[summary])
    assert verify(signed_bootloader("ecdsa256", "esp32s3"), efuse_summary=path).ok
    report = verify(signed_bootloader("ecdsa256", "esp32s3", "b"), efuse_summary=path)
    assert problem_ids(report) == {"esp.sbv2.wrong_key"}
    assert "SECURE_BOOT_DIGEST0" in report.problems[0].message


def test_efuse_summary_revoked_digest() -> None:
    report = verify(signed_bootloader("ecdsa256", "esp32s3"), efuse_summary=str(efuse_summaries()["s3_revoked"]))
    (problem,) = report.problems
    assert problem.id == "esp.sbv2.wrong_key" and problem.detail["revoked"] is True


def test_efuse_summary_esp32_block2_and_c2_half_digest() -> None:
    esp32 = str(efuse_summaries()["esp32_text"])
    assert verify(signed_bootloader("rsa3072", "esp32"), efuse_summary=esp32).ok
    other_key_image = signed_bootloader("rsa3072", "esp32", "b")
    assert problem_ids(verify(other_key_image, efuse_summary=esp32)) == {"esp.sbv2.wrong_key"}
    c2 = str(efuse_summaries()["c2_json_stdout"])
    assert verify(signed_bootloader("ecdsa256", "esp32s3"), efuse_summary=c2).ok
    assert not verify(signed_bootloader("ecdsa256", "esp32s3", "b"), efuse_summary=c2).ok


def test_fresh_efuses_trust_any_key_like_first_boot() -> None:
    fresh = str(efuse_summaries()["fresh"])
    assert verify(signed_bootloader("ecdsa256", "esp32s3", "b"), efuse_summary=fresh).ok


def test_not_an_efuse_summary() -> None:
    with pytest.raises(UnusableInput):
        verify(signed_bootloader("ecdsa256", "esp32s3"), efuse_summary=str(scratch(b"hello\n", ".txt")))
    with pytest.raises(UnusableInput):
        verify(signed_bootloader("ecdsa256", "esp32s3"), efuse_summary=str(work_dir() / "missing.txt"))


def test_multiple_blocks_any_trusted_block_passes_except_on_esp32() -> None:
    p256, rsa_key = signing_key("ecdsa256"), signing_key("rsa3072")
    s3 = sign(build_bootloader("esp32s3"), 2, p256, rsa_key)
    assert len(verify(s3).info["signature"]["blocks"]) == 2
    assert verify(s3, keys=[str(rsa_key)]).ok and espsecure_verifies(2, rsa_key, s3)
    assert problem_ids(verify(s3, keys=[str(signing_key("ecdsa256", "b"))])) == {"esp.sbv2.wrong_key"}
    # The ESP32 ROM only looks at block 0 (espsecure does not know that)
    esp32 = sign(build_bootloader("esp32"), 2, p256, rsa_key)
    report = verify(esp32, keys=[str(rsa_key)])
    assert problem_ids(report) == {"esp.sbv2.wrong_key"}
    assert espsecure_verifies(2, rsa_key, esp32)


# ---------------------------------------------------------------------------------------------------------
# Unusable keys


def _key_file(private_key: object, name: str) -> str:
    pem = private_key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = work_dir() / name
    path.write_bytes(pem)
    return str(path)


def test_unreadable_keys_are_unusable_input() -> None:
    data = signed_bootloader("rsa3072", "esp32")
    for bad in (str(scratch(b"not a key")), str(work_dir() / "missing.pem")):
        with pytest.raises(UnusableInput) as info:
            verify(data, keys=[bad])
        assert "\n" not in str(info.value)


def test_keys_that_cannot_be_secure_boot_keys_are_passed_over() -> None:
    # an MCUboot key given for another part of a merged image, say: it proves nothing about this signature
    data = signed_bootloader("rsa3072", "esp32")
    ed = _key_file(ed25519.Ed25519PrivateKey.generate(), "ed25519.pem")
    rsa2048 = _key_file(rsa.generate_private_key(65537, 2048), "rsa2048.pem")
    for other in (ed, rsa2048):
        report = verify(data, keys=[other])
        assert (report.verdict, report.problems) == ("not_checked", [])
        assert "cannot be Secure Boot keys" in report.missing[0]
    assert verify(data, keys=[ed, str(signing_key("rsa3072"))]).ok


def test_der_public_key_is_accepted() -> None:
    pem = signing_key("ecdsa256").read_bytes()
    public = serialization.load_pem_private_key(pem, None).public_key()
    der_bytes = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    der = scratch(der_bytes, ".der")
    assert verify(signed_bootloader("ecdsa256", "esp32s3"), keys=[str(der)]).ok


# ---------------------------------------------------------------------------------------------------------
# Secure Boot V1


@functools.lru_cache(maxsize=None)
def v1_signed_bootloader() -> bytes:
    return sign(build_bootloader("esp32"), 1, signing_key("v1"))


V1_CASES: dict[str, tuple[Callable[[bytes], bytes], str, set[str]]] = {
    "pristine": (lambda d: d, "a", set()),
    "payload_byte": (
        lambda d: flipped(d, 0x300),
        "a",
        {"esp.image.checksum_mismatch", "esp.image.hash_mismatch", "esp.sbv1.signature_invalid"},
    ),
    "signature_byte": (lambda d: flipped(d, len(d) - 10), "a", {"esp.sbv1.signature_invalid"}),
    "wrong_key": (lambda d: d, "b", {"esp.sbv1.signature_invalid"}),
    "stripped": (lambda d: d[:-68], "a", {"esp.sbv1.no_signature"}),
}


@pytest.mark.parametrize("case", list(V1_CASES))
def test_sbv1_agrees_with_espsecure(case: str) -> None:
    tamper, key_name, expected = V1_CASES[case]
    key = signing_key("v1", key_name)
    data = tamper(v1_signed_bootloader())
    report = verify(data, keys=[str(key)])
    assert problem_ids(report) == expected
    assert report.ok == espsecure_verifies(1, key, data)


def test_sbv1_without_key_reports_what_it_can() -> None:
    report = verify(v1_signed_bootloader())
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert report.info["signature"]["scheme"] == "sbv1"
    assert report.info["signature"]["verified"] is None
    # r = 0 can never verify, key or not
    zero_r = patched(v1_signed_bootloader(), len(v1_signed_bootloader()) - 64, bytes(32))
    assert problem_ids(verify(zero_r)) == {"esp.sbv1.signature_invalid"}


def test_sbv1_header_rewrite_is_found_with_the_key() -> None:
    key = signing_key("v1")
    merged, _ = merge_bin({0x1000: v1_signed_bootloader()}, "--flash-mode", "qio", "--flash-freq", "80m")
    report = verify(merged, keys=[str(key)])
    (problem,) = report.problems
    assert problem.id == "esp.sbv1.signature_invalid"
    assert problem.detail["header_rewrite"]["signed"]["header_bytes"] == "0x0220"
    assert problem.detail["header_rewrite"]["current"]["header_bytes"] == "0x002f"
    assert not espsecure_verifies(1, key, merged[0x1000:])


def test_sbv1_needs_a_p256_key() -> None:
    report = verify(v1_signed_bootloader(), keys=[str(signing_key("ecdsa384"))])
    assert problem_ids(report) == {"esp.sbv1.signature_invalid"}
    assert "P-256" in report.problems[0].message


# ---------------------------------------------------------------------------------------------------------
# Unsigned images when the caller expects a signature


def test_unsigned_image_with_expectations() -> None:
    esp32, s3 = build_bootloader("esp32"), build_bootloader("esp32s3")
    assert verify(s3).ok
    assert problem_ids(verify(s3, keys=[str(signing_key("ecdsa256"))])) == {"esp.sbv2.no_signature_block"}
    assert problem_ids(verify(esp32, keys=[str(signing_key("rsa3072"))])) == {"esp.sbv2.no_signature_block"}
    # ESP32 Secure Boot V2 is RSA-only, so a P-256 key for an ESP32 image means V1
    assert problem_ids(verify(esp32, keys=[str(signing_key("v1"))])) == {"esp.sbv1.no_signature"}
    assert problem_ids(verify(s3, efuse_summary=str(efuse_summaries()["s3_text"]))) == {"esp.sbv2.no_signature_block"}


def test_reports_are_json_able() -> None:
    samples = (
        signed_bootloader("rsa3072", "esp32"),
        _other_flash_size(signed_bootloader("ecdsa384", "esp32s3")),
        v1_signed_bootloader(),
    )
    for data in samples:
        json.dumps(verify(data).model_dump())
