"""ESP image header/segments/checksum/SHA checks, compared with `esptool image-info` on the same bytes."""
from __future__ import annotations

import json
import re

import pytest

from bootdiag.platforms.esp import image as esp_image
from bootdiag.verify.model import UnusableInput, VerifyOptions
from esp_fixtures import (
    build_app,
    build_bootloader,
    flipped,
    image_info,
    image_info_field,
    merge_bin,
    patched,
    problem_ids,
    verify,
)


def _esptool_segments(info_text: str) -> list[tuple[int, int]]:
    rows = re.findall(r"^\s+\d+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+", info_text, re.MULTILINE)
    return [(int(addr, 16), int(length, 16)) for length, addr in rows]


@pytest.mark.parametrize(
    ("chip", "kind", "mode", "size_freq"),
    [
        ("esp32", "bootloader", 2, 0x20),
        ("esp32", "app", 0, 0x3F),
        ("esp32s3", "bootloader", 3, 0x41),
        ("esp32s3", "app", 2, 0x12),
        ("esp32c3", "bootloader", 1, 0x22),
        ("esp32c2", "bootloader", 2, 0x1F),
        ("esp32c6", "bootloader", 2, 0x02),
    ],
)
def test_header_and_segments_agree_with_esptool_image_info(chip: str, kind: str, mode: int, size_freq: int) -> None:
    builder = build_bootloader if kind == "bootloader" else build_app
    data = builder(chip, flash_mode=mode, flash_size_freq=size_freq)  # type: ignore[operator]
    report = verify(data)
    reference = image_info(data)

    assert report.ok and report.problems == []
    assert report.format == f"esp-{kind}"
    assert report.info["chip"] == chip
    chip_field = re.fullmatch(r"(\d+) \((.+)\)", image_info_field(reference, "Chip ID"))
    assert chip_field is not None
    chip_id, chip_name = chip_field.groups()
    assert (report.info["chip_id"], report.info["chip"]) == (int(chip_id), chip_name.lower().replace("-", ""))
    assert report.info["flash_mode"] == image_info_field(reference, "Flash mode")
    assert report.info["flash_size"] == image_info_field(reference, "Flash size")
    assert report.info["flash_freq"] == image_info_field(reference, "Flash freq")
    segments = [(int(s["load_addr"], 16), s["length"]) for s in report.info["segments"]]
    assert segments == _esptool_segments(reference)
    assert image_info_field(reference, "Checksum") == f"{report.info['checksum']['stored']} (valid)"
    assert image_info_field(reference, "Validation hash") == f"{report.info['sha256']['stored']} (valid)"
    json.dumps(report.model_dump())  # info and details must be JSON-able


def test_app_descriptor_and_revisions_are_reported() -> None:
    report = verify(build_app(min_rev_full=301, max_rev_full=399))
    assert report.info["app_desc"]["project"] == "demo"
    assert report.info["app_desc"]["version"] == "1.2.3"
    assert report.info["app_desc"]["idf_ver"] == "v5.3.1"
    assert report.info["app_desc"]["secure_version"] == 7
    assert (report.info["min_rev"], report.info["max_rev"]) == ("v3.1", "v3.99")
    assert report.info["hash_appended"] is True
    assert report.info["signature"] == {"scheme": "none"}


def test_format_heuristic() -> None:
    # no app descriptor, but a segment in the flash-mapped DROM/IROM range: still an app
    assert verify(build_app(with_descriptor=False)).format == "esp-app"
    bootloader = verify(build_bootloader())
    assert bootloader.format == "esp-bootloader"
    assert bootloader.info["bootloader_desc"]["idf_ver"] == "v5.3.1"


def test_payload_byte_breaks_checksum_and_sha_like_esptool_says() -> None:
    data = flipped(build_bootloader(), 0x100)
    report = verify(data)
    reference = image_info(data)
    assert problem_ids(report) == {"esp.image.checksum_mismatch", "esp.image.hash_mismatch"}
    assert "(invalid - calculated" in image_info_field(reference, "Checksum")
    assert image_info_field(reference, "Validation hash").endswith("(invalid)")


def test_checksum_byte_alone() -> None:
    data = build_bootloader()
    checksum_at = len(data) - 32 - 1
    report = verify(flipped(data, checksum_at))
    # the SHA-256 covers the checksum byte too
    assert problem_ids(report) == {"esp.image.checksum_mismatch", "esp.image.hash_mismatch"}
    assert report.info["checksum"]["computed"] == f"0x{data[checksum_at]:02x}"


def test_appended_sha_byte_alone() -> None:
    pristine = build_bootloader()
    data = flipped(pristine, len(pristine) - 5)
    report = verify(data)
    assert problem_ids(report) == {"esp.image.hash_mismatch"}
    assert image_info_field(image_info(data), "Validation hash").endswith("(invalid)")


def test_image_without_appended_sha() -> None:
    data = build_bootloader(append_digest=False)
    report = verify(data)
    assert report.ok
    assert report.info["hash_appended"] is False and report.info["sha256"] is None
    assert report.info["image_length"] == len(data)


def test_bad_magic() -> None:
    report = verify(patched(build_bootloader(), 0, b"\xe8"))
    assert "esp.image.bad_magic" in problem_ids(report)
    assert not report.ok


def test_random_bytes_are_bad_magic_and_not_claimed() -> None:
    junk = bytes((i * 37 + 11) & 0xFF for i in range(5000))
    assert not esp_image.matches(junk, VerifyOptions())
    report = verify(junk)
    assert problem_ids(report) == {"esp.image.bad_magic"}


@pytest.mark.parametrize("keep", [1, 10, 30, 200, 2000, -33, -1], ids=lambda n: f"keep{n}")
def test_truncation(keep: int) -> None:
    # inside the header, a segment header, segment data, before the checksum, inside the appended SHA
    data = build_bootloader()
    report = verify(data[:keep])
    assert problem_ids(report) == {"esp.image.truncated"}


def test_truncated_inside_segment_names_the_segment() -> None:
    report = verify(build_bootloader()[:1200])  # segment 1 spans 0x378-0x760
    (problem,) = report.problems
    assert problem.id == "esp.image.truncated"
    assert problem.detail["segment"] == 1


def test_too_many_segments_and_bad_hash_flag() -> None:
    data = build_bootloader()
    assert problem_ids(verify(patched(data, 1, b"\x11"))) == {"esp.image.bad_header"}
    assert problem_ids(verify(patched(data, 23, b"\x02"))) == {"esp.image.bad_header"}


def test_wrong_chip() -> None:
    data = build_bootloader("esp32s3")
    assert verify(data, chip="ESP32-S3").ok
    report = verify(data, chip="esp32")
    assert problem_ids(report) == {"esp.image.wrong_chip"}
    assert report.problems[0].detail["image_chip"] == "esp32s3"


def test_merged_dump_found_at_bootloader_offset_and_at_given_offset() -> None:
    bootloader, app = build_bootloader(), build_app()
    merged, _ = merge_bin({0x1000: bootloader, 0x10000: app}, "--flash-mode", "keep", "--flash-size", "keep")
    assert esp_image.matches(merged, VerifyOptions())
    found = verify(merged)
    assert (found.info["offset"], found.format, found.ok) == (0x1000, "esp-bootloader", True)
    assert found.info["segments"][0]["file_offset"] == 0x1000 + 32
    at_app = verify(merged, offset=0x10000)
    assert (at_app.format, at_app.ok, at_app.info["app_desc"]["project"]) == ("esp-app", True, "demo")
    with pytest.raises(UnusableInput):
        verify(merged, offset=len(merged) + 5)


def test_offset_without_an_image_there() -> None:
    merged = b"\xff" * 0x1000 + build_bootloader()
    assert not esp_image.matches(merged, VerifyOptions(offset=0x800))
    assert esp_image.matches(merged, VerifyOptions(offset=0x800, chip="esp32"))
    assert problem_ids(verify(merged, offset=0x800)) == {"esp.image.bad_magic"}


def test_dispatcher_routes_esp_images_here(tmp_path) -> None:  # type: ignore[no-untyped-def]
    verify_module = pytest.importorskip("bootdiag.verify")
    try:
        path = tmp_path / "boot.bin"
        path.write_bytes(build_bootloader())
        report = verify_module.verify_file(path)
    except ImportError as exc:  # sibling format modules may not be importable yet
        pytest.skip(str(exc))
    assert report.format == "esp-bootloader" and report.ok
