"""`explain --image/--key/--efuse/--config`: every format shows what each file showed, and says when
a file contradicts the log instead of confirming it. Images, keys and eFuse summaries are made by
the real esptool/espsecure/espefuse (esp_fixtures)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from esp_fixtures import build_app, efuse_summaries, scratch, sign, signing_key
from test_join_esp import GENERIC_LOG

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "esp-idf"


def explain(log: Path, *args: str, fmt: str = "json") -> str:
    """The command line's own run, in this process (a subprocess per call would cost a second each)."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={"COLUMNS": "100", "NO_COLOR": "1"})
    code = run(["explain", str(log), "--format", fmt, *args], env)
    assert code == 1 and not err.getvalue(), err.getvalue()
    return out.getvalue()


def files_of(log: Path, *args: str) -> dict[str, dict]:
    return {Path(f["path"]).name: f for f in json.loads(explain(log, *args))["files"]}


@pytest.fixture(scope="module")
def s3_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "s3-boot.log"
    path.write_text(GENERIC_LOG)
    return path


def test_every_format_shows_what_each_file_showed(s3_log: Path, tmp_path: Path) -> None:
    key = signing_key("ecdsa256")
    image = scratch(sign(build_app("esp32s3"), 2, signing_key("ecdsa256", "b")))
    config = tmp_path / "sdkconfig"
    config.write_text("CONFIG_SECURE_BOOT_V2_ENABLED=y\nCONFIG_FREERTOS_HZ=100\n# CONFIG_SECURE_BOOT_ALLOW_JTAG is not set\n")
    args = ("--image", str(image), "--key", str(key), "--config", str(config))
    files = files_of(s3_log, *args)
    assert [f["kind"] for f in files.values()] == ["image", "key", "config"]
    shown = files[image.name]["shows"]
    assert shown[0].startswith("esp-app for esp32s3, flash ")
    assert any("signature block 0 (ECDSA-P256)" in line and "not a trusted key" in line for line in shown)
    assert files[key.name]["shows"][0].startswith("ecdsa-p256 private key")
    assert any(line.startswith("esp_sbv2_key_digest: ") for line in files[key.name]["shows"])
    assert files["sdkconfig"]["shows"] == ["CONFIG_SECURE_BOOT_V2_ENABLED=y", "CONFIG_SECURE_BOOT_ALLOW_JTAG is not set"]
    assert not any(f["contradicts"] for f in files.values())  # an S3 image signed with another key: it confirms

    text = explain(s3_log, *args, fmt="text")
    section = text.split("\nfiles checked\n", 1)[1]
    for name, entry in files.items():
        assert name in section and entry["shows"][0][:40] in " ".join(section.split())
    markdown = explain(s3_log, *args, fmt="markdown")
    assert "### Files checked" in markdown and "  - CONFIG_SECURE_BOOT_V2_ENABLED=y" in markdown


def test_an_image_for_another_chip_contradicts_the_log(s3_log: Path) -> None:
    image = scratch(sign(build_app("esp32"), 2, signing_key("ecdsa256", "b")))
    args = ("--image", str(image), "--key", str(signing_key("ecdsa256")))
    entry = files_of(s3_log, *args)[image.name]
    assert entry["contradicts"] == ["built for esp32, but the log's chip is esp32s3: not the image this device ran"]
    verdict = explain(s3_log, *args, fmt="text").split("\n\n", 1)[0]
    assert f"! {image.name} contradicts the log: built for esp32" in verdict
    assert "contradict the log" in explain(s3_log, *args, fmt="markdown")


def test_a_key_the_efuse_trusts_contradicts_an_untrusted_key_in_the_log() -> None:
    log = CORPUS / "sb2-untrusted-key-esp32.log"  # ESP32: "Sig block 0 signed with untrusted key"
    image = scratch(sign(build_app("esp32"), 2, signing_key("rsa3072")))
    efuse = efuse_summaries()["esp32_text"]  # trusts rsa3072 key 'a'
    files = files_of(log, "--image", str(image), "--efuse", str(efuse))
    entry = files[image.name]
    assert any("a trusted key" in line for line in entry["shows"])
    assert len(entry["contradicts"]) == 1
    assert entry["contradicts"][0].startswith("signed with a key the given keys or eFuse trust, but the device said it does not (line 39")
    assert files[efuse.name]["kind"] == "efuse"


def test_an_image_that_passes_the_failed_check_is_another_image() -> None:
    log = CORPUS / "sb2-bootloader-header-rewritten-esptool3.log"  # ESP32: image digest does not match (line 77)
    key = signing_key("ecdsa256")
    image = scratch(sign(build_app("esp32"), 2, key))
    entry = files_of(log, "--image", str(image), "--key", str(key))[image.name]
    assert entry["contradicts"] == [
        "passes the check the device failed (line 77: `Sig block 0 invalid: Image digest does not match`): the device "
        "holds another image, or this one changed as it was written (esptool rewriting the header)"
    ]


def test_an_intact_well_signed_mcuboot_image_is_not_the_one_the_bootloader_rejected() -> None:
    from mcuboot_fixtures import key_path, signed_image

    log = CORPUS.parent / "mcuboot" / "zephyr-debug-corrupted.log"  # the bootloader found the hash wrong
    image = scratch(signed_image("ecdsa-p256"))
    entry = files_of(log, "--image", str(image), "--key", str(key_path("ecdsa-p256")))[image.name]
    assert entry["shows"][:2] == ["MCUboot image 1.2.3+4, header 512 bytes, 3000 bytes of payload", "SHA256: matches the image"]
    assert entry["shows"][2].startswith("signature: verified with ")
    assert len(entry["contradicts"]) == 1 and entry["contradicts"][0].startswith("passes the check the bootloader failed (line ")


def test_a_merged_flash_image_shows_each_image_by_address_and_a_sound_part_proves_nothing() -> None:
    from esp_fixtures import build_bootloader, merge_bin

    log = CORPUS / "sb2-bootloader-header-rewritten-esptool3.log"  # the ROM rejected the bootloader
    key = signing_key("ecdsa256")
    merged, _ = merge_bin({0x1000: build_bootloader("esp32"), 0x10000: sign(build_app("esp32"), 2, key)})
    image = scratch(merged)
    entry = files_of(log, "--image", str(image), "--key", str(key))[image.name]
    assert entry["shows"][0].startswith("esp-flash holding 2 images: ")
    assert any(line.startswith("0x1000 bootloader: esp-bootloader for esp32") for line in entry["shows"])
    assert any(line.startswith("0x10000 app: Secure Boot V2 signature block 0") for line in entry["shows"])
    assert entry["contradicts"] == []  # the app passes, but the log speaks of the bootloader
