"""`explain LOG --image IMG --key KEY`: the image decides what a generic ESP failure line cannot.

Images are made by the real esptool/espsecure (esp_fixtures); the log says only that the
signature check failed, as a bootloader at default log level does on some chips.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from esp_fixtures import build_app, patched, scratch, sign, signing_key

GENERIC_LOG = "\r\n".join([
    "ESP-ROM:esp32s3-20210327",
    "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)",
    "I (24) boot: ESP-IDF v5.1.2 2nd stage bootloader",
    "I (95) esp_image: segment 0: paddr=00010020 vaddr=3c000020 size=0b5ech ( 46572) map",
    "I (120) esp_image: Verifying image signature...",
    "E (131) secure_boot_v2: Secure Boot V2 verification failed.",
    "E (136) esp_image: Secure boot signature verification failed",
    "I (142) esp_image: Calculating simple hash to check for corruption...",
    "W (160) esp_image: image valid, signature bad",
    "E (164) boot: Factory app partition is not bootable",
    "E (169) boot: No bootable app partitions in the partition table",
]) + "\r\n"


def explain(log: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(log), "--format", "json", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("join") / "boot.log"
    path.write_bytes(GENERIC_LOG.encode())
    return path


@pytest.fixture(scope="module")
def app() -> bytes:
    return build_app("esp32s3")


def test_log_alone_gives_only_the_generic_candidates(log: Path) -> None:
    report = explain(log)
    assert [f["id"] for f in report["findings"]] == ["esp.secure_boot_verification_failed"]
    assert report["findings"][0]["confidence"] == "low"


def test_image_rewritten_after_signing_names_the_cause(log: Path, app: bytes) -> None:
    key = signing_key("ecdsa256")
    signed = sign(app, 2, key)
    rewritten = patched(signed, 2, bytes([0x00]))  # flash mode byte: DIO -> QIO after signing
    report = explain(log, "--image", str(scratch(rewritten)), "--key", str(key))
    top = report["findings"][0]
    assert top["id"] == "esp.image_modified_after_signing"
    assert "esp.secure_boot_verification_failed" not in [f["id"] for f in report["findings"]]
    image_lines = [e["text"] for e in top["evidence"] if e["line"] == 0]
    assert any("esp.sbv2.digest_mismatch" in text for text in image_lines)
    assert "bootdiag verify confirms it" in top["explanation"]
    assert report["verification"][0]["ok"] is False


def test_image_signed_with_another_key(log: Path, app: bytes) -> None:
    trusted, other = signing_key("ecdsa256"), signing_key("ecdsa256", "b")
    report = explain(log, "--image", str(scratch(sign(app, 2, other))), "--key", str(trusted))
    assert report["findings"][0]["id"] == "esp.wrong_signing_key"


def test_unsigned_image(log: Path, app: bytes) -> None:
    report = explain(log, "--image", str(scratch(app)), "--key", str(signing_key("ecdsa256")))
    assert report["findings"][0]["id"] == "esp.unsigned_image"


def test_valid_image_leaves_the_generic_finding(log: Path, app: bytes) -> None:
    key = signing_key("ecdsa256")
    report = explain(log, "--image", str(scratch(sign(app, 2, key))), "--key", str(key))
    assert [f["id"] for f in report["findings"]] == ["esp.secure_boot_verification_failed"]
    assert report["verification"][0]["ok"] is True


def test_unusable_image_is_a_one_line_input_error(log: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x01\x02" * 50)
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(log), "--image", str(garbage)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "not a recognised image" in proc.stderr and "Traceback" not in proc.stderr


def test_build_configuration_is_quoted_as_evidence(log: Path, app: bytes, tmp_path: Path) -> None:
    key = signing_key("ecdsa256")
    rewritten = patched(sign(app, 2, key), 2, bytes([0x00]))
    sdkconfig = tmp_path / "sdkconfig"
    sdkconfig.write_text('CONFIG_ESPTOOLPY_FLASHSIZE_4MB=y\nCONFIG_ESPTOOLPY_FLASHSIZE="4MB"\nCONFIG_LOG_DEFAULT_LEVEL=3\n')
    report = explain(log, "--image", str(scratch(rewritten)), "--key", str(key), "--config", str(sdkconfig))
    top = report["findings"][0]
    assert top["id"] == "esp.image_modified_after_signing"
    assert "The build configuration says 4MB (sdkconfig: CONFIG_ESPTOOLPY_FLASHSIZE=4MB)" in top["explanation"]
    assert "sdkconfig: CONFIG_ESPTOOLPY_FLASHSIZE=4MB" in [e["text"] for e in top["evidence"]]


def test_missing_configuration_file_is_an_input_error(log: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(log), "--config", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no such configuration file" in proc.stderr and "Traceback" not in proc.stderr
