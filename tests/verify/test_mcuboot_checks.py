"""MCUboot checks beyond imgtool verify: boot record, security counter, header size, trailer, detection."""
from __future__ import annotations

import json
import struct

import pytest

from bootdiag.platforms.mcuboot import image as mcuboot
from bootdiag.verify.keys import load_key
from bootdiag.verify.model import VerifyOptions
from mcuboot_fixtures import (
    flip_byte,
    imgtool_verify,
    key_path,
    payload_path,
    signature_tlv,
    signed_image,
    unprotected_area,
)


def _verify(image: bytes, **options: object) -> mcuboot.ImageReport:
    return mcuboot.verify(image, "img.bin", VerifyOptions(**options))


def _ids(report: mcuboot.ImageReport) -> list[str]:
    return [p.id for p in report.problems]


# ---------------------------------------------------------------------------------------------- boot record


def test_measured_boot_without_boot_record() -> None:
    report = _verify(signed_image("ecdsa-p256"), measured_boot=True, mcuboot_port="tfm")
    assert _ids(report) == ["mcuboot.missing_boot_record"]
    assert report.info["boot_record"] is None


def test_boot_record_is_decoded() -> None:
    image = signed_image("ecdsa-p256", "hash", "NSPE")
    report = _verify(image)
    record = report.info["boot_record"]
    keyhash = report.info["signer"]["key_hash"]
    assert record["size"] == 92  # the reference's "--boot-record NSPE -v 1.2.3" example
    assert (record["sw_type"], record["version"], record["measurement_description"]) == ("NSPE", "1.2.3", "SHA256")
    assert record["signer_id"] == keyhash
    assert record["measurement_value"] == "00" * 32
    assert record["measurement_is_placeholder"] and record["measurement_last"]
    assert record["fits"] == {"zephyr_default": False, "tfm": True}


def test_boot_record_of_unsigned_image_has_zero_signer() -> None:
    record = _verify(signed_image(None, boot_record="SPE")).info["boot_record"]
    assert record["signer_id"] == "00" * 32
    assert record["sw_type"] == "SPE"


@pytest.mark.parametrize(
    ("options", "too_large"),
    [
        ({"mcuboot_port": "zephyr"}, True),  # CONFIG_MEASURED_BOOT_MAX_CBOR_SIZE default 64
        ({"mcuboot_port": "tfm"}, False),  # TF-M MAX_BOOT_RECORD_SZ 132
        ({"max_record_size": 92}, False),
        ({"max_record_size": 91}, True),
        ({"max_record_size": 91, "mcuboot_port": "tfm"}, True),  # an explicit size wins
        ({}, False),  # no port, no size: no limit is claimed
    ],
)
def test_boot_record_size_limit(options: dict[str, object], too_large: bool) -> None:
    report = _verify(signed_image("ecdsa-p256", "hash", "NSPE"), measured_boot=True, **options)
    assert report.has("mcuboot.boot_record_too_large") == too_large
    assert (report.problems == []) == (not too_large)  # no key given: the signature is not judged


def test_tfm_limit_for_p384_images_is_164() -> None:
    image = signed_image("ecdsa-p384", "hash", "NSPE_SPE")
    assert mcuboot._boot_record_limit(VerifyOptions(mcuboot_port="tfm"), 48) == 164
    report = _verify(image, measured_boot=True, mcuboot_port="tfm")
    assert report.problems == []
    assert report.info["boot_record"]["measurement_description"] == "SHA384"


# ---------------------------------------------------------------------------------------------- security counter


def test_security_counter_value() -> None:
    assert _verify(signed_image("ed25519", security_counter="7")).info["security_counter"] == 7
    # imgtool -s auto: major << 24 | minor << 16 | revision for version 1.2.3+4
    assert _verify(signed_image("ed25519", security_counter="auto")).info["security_counter"] == 0x01020003


def test_missing_security_counter() -> None:
    report = _verify(signed_image("ed25519"), security_counter=True)
    assert _ids(report) == ["mcuboot.missing_security_counter"]
    assert _verify(signed_image("ed25519", security_counter="1"), security_counter=True).problems == []


# ---------------------------------------------------------------------------------------------- header size


def test_header_size_option() -> None:
    report = _verify(signed_image("ecdsa-p256"), header_size=0x400)
    assert _ids(report) == ["mcuboot.header_size"]
    assert report.problems[0].detail == {"hdr_size": 0x200, "expected": 0x400}
    assert _verify(signed_image("ecdsa-p256"), header_size=0x200).problems == []


def test_vector_table_at_header_size_is_accepted() -> None:
    linked = payload_path(gap=0x200, vector_table=True)
    image = signed_image("ecdsa-p256", extra=("-H", "0x200"), payload=linked)
    report = _verify(image)
    assert report.problems == []
    assert report.info["vector_table"] == {"offset": 0x200, "initial_sp": 0x20010000, "reset_handler": 0x411}


@pytest.mark.parametrize(
    ("gap", "extra", "table_at"),
    [
        (0x200, ("-H", "0x200", "--pad-header"), 0x400),  # --pad-header on an image that has its own gap
        (0x400, ("-H", "0x200"), 0x400),  # -H 0x200 on an image linked at slot + 0x400
    ],
)
def test_vector_table_elsewhere_is_a_header_size_problem(gap: int, extra: tuple[str, ...], table_at: int) -> None:
    image = signed_image("ecdsa-p256", extra=extra, payload=payload_path(gap=gap, vector_table=True))
    assert imgtool_verify(image, key_path("ecdsa-p256")).rc == 0  # imgtool cannot see this
    report = _verify(image, keys=[str(key_path("ecdsa-p256"))])
    assert _ids(report) == ["mcuboot.header_size"]
    assert report.problems[0].detail == {"hdr_size": 0x200, "vector_table_offset": table_at}


def test_random_code_at_header_size_is_not_judged() -> None:
    report = _verify(signed_image("ecdsa-p256"))
    assert "vector_table" not in report.info
    assert report.problems == []


# ---------------------------------------------------------------------------------------------- TLV structure


def test_broken_tlv_info_magic_agrees_with_imgtool() -> None:
    image = signed_image("ecdsa-p256")
    start, _ = unprotected_area(image)
    broken = flip_byte(image, start)
    assert "Invalid TLV info magic" in imgtool_verify(broken, key_path("ecdsa-p256")).output
    assert _ids(_verify(broken, keys=[str(key_path("ecdsa-p256"))])) == ["mcuboot.bad_tlv_info"]


def test_protected_size_must_match_the_protected_area() -> None:
    image = bytearray(signed_image("ecdsa-p256", security_counter="1"))
    struct.pack_into("<H", image, 10, 16)  # the real area (one SEC_CNT) is 12 bytes
    report = _verify(bytes(image))
    assert report.has("mcuboot.bad_tlv_info")
    assert report.has("mcuboot.hash_mismatch")  # the header is hashed too


def test_big_endian_image() -> None:
    image = signed_image("ecdsa-p256", security_counter="3", extra=("-e", "big"))
    report = _verify(image, keys=[str(key_path("ecdsa-p256"))], security_counter=True)
    assert report.ok, report.problems
    assert report.info["header"]["endian"] == "big"
    assert report.info["security_counter"] == 3
    assert [t["name"] for t in report.info["tlvs"]] == ["SEC_CNT", "SHA256", "KEYHASH", "ECDSA_SIG"]


def test_pure_ed25519_signature() -> None:
    image = signed_image("ed25519", extra=("--pure",))
    key = key_path("ed25519")
    assert imgtool_verify(image, key).rc == 0
    report = _verify(image, keys=[str(key)])
    assert report.ok
    assert "SIG_PURE" in [t["name"] for t in report.info["tlvs"]]
    broken = flip_byte(image, signature_tlv(image).offset + 10)
    assert imgtool_verify(broken, key).rc != 0
    assert _ids(_verify(broken, keys=[str(key)])) == ["mcuboot.signature_invalid"]


def test_padded_ecdsa_signature() -> None:
    image = signed_image("ecdsa-p256", extra=("--pad-sig",))
    assert _verify(image, keys=[str(key_path("ecdsa-p256"))]).ok


def test_encrypted_image_without_the_key_checks_the_signature_not_the_hash() -> None:
    # imgtool verify hashes the ciphertext and fails; MCUboot hashes the plaintext while decrypting
    image = signed_image("ecdsa-p256", extra=("-E", str(key_path("ecdsa-p256", "enc"))))
    assert "invalid hash" in imgtool_verify(image, key_path("ecdsa-p256")).output
    report = _verify(image, keys=[str(key_path("ecdsa-p256"))])
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert any("encrypted: payload hash not checked" in m for m in report.missing)
    assert any(c.startswith("ECDSA_SIG signature verified") for c in report.checked)
    assert report.info["hash"]["checked"] is False
    assert "ENCRYPTED_AES128" in report.info["header"]["flag_names"]
    assert "ENC_EC256" in [t["name"] for t in report.info["tlvs"]]


def test_dependency_and_load_address() -> None:
    image = signed_image("ecdsa-p256", extra=("-d", "(1,1.2.3+0)", "-L", "0x20000000"))
    report = _verify(image)
    assert report.info["dependencies"] == [{"image_id": 1, "min_version": "1.2.3+0"}]
    assert report.info["header"]["load_addr"] == 0x20000000
    assert "RAM_LOAD" in report.info["header"]["flag_names"]


# ---------------------------------------------------------------------------------------------- trailer


@pytest.mark.parametrize(
    ("extra", "trailer"),
    [
        ((), {"magic": "absent"}),
        (("--pad",), {"magic": "good", "max_align": 8, "image_ok": "unset", "copy_done": "unset"}),
        (("--confirm",), {"magic": "good", "max_align": 8, "image_ok": "set", "copy_done": "unset"}),
        (("--confirm", "--max-align", "16", "--align", "16"),
         {"magic": "good", "max_align": 16, "image_ok": "set", "copy_done": "unset"}),
    ],
)  # fmt: skip
def test_trailer(extra: tuple[str, ...], trailer: dict[str, object]) -> None:
    assert _verify(signed_image("ecdsa-p256", extra=extra)).info["trailer"] == trailer


def test_damaged_trailer_magic() -> None:
    image = signed_image("ecdsa-p256", extra=("--pad",))
    assert _verify(flip_byte(image, len(image) - 3)).info["trailer"] == {"magic": "bad"}


# ---------------------------------------------------------------------------------------------- signer


def test_known_development_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    key = key_path("rsa-2048")
    keyhash = mcuboot.mcuboot_key_hash(load_key(key).public_key).hex()
    monkeypatch.setitem(mcuboot.KNOWN_KEY_HASHES, keyhash, "example dev key")
    image = signed_image("rsa-2048")
    assert _verify(image).info["signer"]["known_as"] == "example dev key"
    report = _verify(image, keys=[str(key_path("rsa-2048", "b"))])
    assert "example dev key" in report.problems[0].message


def test_signature_not_checked_without_key() -> None:
    report = _verify(signed_image("rsa-3072"))
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert report.missing == ["a trusted key (--key) to check the RSA3072_PSS signature against"]
    assert report.info["signature_check"] == "not checked: no key given"


# ---------------------------------------------------------------------------------------------- detection


def test_matches_by_content() -> None:
    image = signed_image("ecdsa-p256")
    assert mcuboot.matches(image, VerifyOptions())
    magic_damaged = b"\x00\x00\x00\x00" + image[4:]
    assert mcuboot.matches(magic_damaged, VerifyOptions())
    assert _ids(_verify(magic_damaged))[:1] == ["mcuboot.bad_magic"]
    assert not mcuboot.matches(b"\xe9\x03\x02\x20" + bytes(60), VerifyOptions())  # an ESP image header
    assert not mcuboot.matches(payload_path().read_bytes(), VerifyOptions())
    assert not mcuboot.matches(key_path("ecdsa-p256").read_bytes(), VerifyOptions())
    assert not mcuboot.matches(b"", VerifyOptions())


def test_report_is_json() -> None:
    image = signed_image("rsa-2048", "full", "NSPE", "5")
    report = _verify(image, keys=[str(key_path("rsa-2048"))], measured_boot=True, security_counter=True)
    assert json.loads(report.model_dump_json())["info"]["tlvs"][0] == {
        "area": "protected", "offset": report.info["tlvs"][0]["offset"], "type": 0x50, "name": "SEC_CNT", "length": 4,
    }  # fmt: skip
    assert report.info["signer"]["key_tlv"] == "PUBKEY"
    assert report.info["signer"]["pubkey_algorithm"] == "rsa-2048"
