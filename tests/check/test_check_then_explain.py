"""Before and after flashing, one cause: `bootdiag check` on a broken build folder names the rule that
`bootdiag explain` gives for the boot log that failure produces (real captures from the corpus, with the
image flashed from that folder beside the log where the log alone leaves the cause open)."""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

import esp_builds
import esp_fixtures
import mcuboot_builds
import tegra_builds
from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

# fixture build -> the capture of the boot (or flash) that failure gives
ESP_LOGS = {
    "partitions-beyond-flash": "esp-idf/partition-beyond-flash-size.log",
    "app-too-large": "esp-idf/image-too-large-for-partition.log",
    "bootloader-at-0x1000": "esp-idf/rom-invalid-header-s3-bootloader-at-0x1000.log",
    "bootloader-over-table": "esp-idf/rom-csum-err.log",
    "bootloader-sector-over-table": "esp-idf/sb2-s3-rom-unsigned-bootloader.log",
    "app-at-wrong-offset": "esp-idf/app-not-flashed-factory.log",
    "app-for-esp32": "esp-idf/chip-id-mismatch-s3-app-on-c3.log",
    "app-needs-rev2": "esp-idf/chip-revision-too-new.log",
    "app-unsigned": "esp-idf/sb2-c6-app-no-signature-block.log",
    "rsa-configured-ecdsa-signed": "esp-idf/sb2-c6-app-no-signature-block.log",
    "app-changed-after-signing": "esp-idf/sb2-rom-digest-mismatch-merge-bin-v5.log",
    "header-rewritten-by-esptool": "esp-idf/sb2-bootloader-header-rewritten-esptool3.log",
    "app-signature-corrupted": "esp-idf/sb2-s3-app-signature-corrupted.log",
    "app-key-not-in-bootloader": "esp-idf/sb2-s3-first-boot-app-key-not-in-bootloader.log",
    "signed-with-untrusted-key": "esp-idf/sb2-untrusted-key-esp32.log",
    "v1-app-unsigned": "esp-idf/sb1-ota-unsigned.log",
    "v1-app-other-key": "esp-idf/sb1-ota-wrong-key.log",
    "plaintext-release-mode-on-encrypted-device": "esp-idf/fe-plaintext-app-v43.log",
}
MCUBOOT_LOGS = {
    "other-key": "mcuboot/zephyr-debug-wrong-key.log",
    "unsigned": "mcuboot/tfm23-verbose-unsigned.log",
    "corrupted": "mcuboot/zephyr-debug-corrupted.log",
    "raw-binary": "mcuboot/zephyr-single-loader-raw-binary.log",
    "header-0x200-linked-at-0x800": "mcuboot/tfm-bad-header-size-loop.log",
    "slot-too-small": "mcuboot/zephyr-log-swap-no-space.log",
    "too-many-sectors": "mcuboot/zephyr-max-sectors.log",
    "no-sec-cnt-with-rollback-protection": "mcuboot/tfm23-verbose-missing-security-counter.log",
    "no-boot-record-with-measured-boot": "mcuboot/zephyr-log-missing-boot-record.log",
    "boot-record-over-max-cbor-size": "mcuboot/tfm22-missing-boot-record.log",
    "encrypted-for-a-plain-bootloader": "mcuboot/tfm-not-valid-generic.log",
    "two-images-expected": "mcuboot/zephyr-empty-slot.log",
}
# the flashed image decides between causes the log alone leaves open (the record is there but too large)
MCUBOOT_IMAGE_BESIDE_LOG = {"boot-record-over-max-cbor-size"}
TEGRA_LOGS = {
    "pkc-on-unfused": (tegra_builds.PKC_COMMAND, tegra_builds.ZERO_HASH, "tegra/t194-xaviernx-pkc-signed-unfused-stage2signature.log"),
    "zero-key-on-fused": (tegra_builds.ZERO_KEY_COMMAND, "rsa-3072", "tegra/t194-agx-xavier-pkc-fused-flash-sh-no-key.log"),
    "other-key-on-fused": (tegra_builds.PKC_COMMAND, "rsa-2048", "tegra/t194-xaviernx-pkc-fused-signed-with-other-key.log"),
}
# folder prepared for one module, EEPROM (cvm.bin) of the module attached -> the flash log of that board
TEGRA_BOARD_LOGS = {
    "agx-orin-configuration-on-agx-xavier": (tegra_builds.AGX_ORIN_COMMAND, ("2888", "0001"), "tegra/t194-flash-sh-soc-mismatch.log"),
}


def bootdiag(*args: object) -> dict:
    out = io.StringIO()
    code = run([*map(str, args), "--format", "json"], Environment(stdin=io.BytesIO(), stdout=out, stderr=io.StringIO(), variables={}))
    report = json.loads(out.getvalue())
    assert code == 1 and report["status"] == "diagnosed", report
    return report


def same_cause(folder: Path, check_args: list[str], log: str, beside_log: list[str] = ()) -> None:
    before = bootdiag("check", folder, *check_args)["findings"][0]["id"]
    after = bootdiag("explain", CORPUS / log, *beside_log)["findings"][0]["id"]
    assert before == after


@pytest.mark.parametrize("name", list(ESP_LOGS))
def test_esp_check_and_explain_name_the_same_cause(name: str, made_folders, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    changes, extra, _cause, _check = esp_builds.BROKEN[name]
    folder = made_folders(f"esp-{name}", lambda path: esp_builds.write_build(path, esp_builds.spec(**changes)))
    args = []
    if extra:
        efuse = esp_builds.efuse_flash_encrypted() if extra[1] == "fe" else esp_fixtures.efuse_summaries()[extra[1]]
        args = [extra[0], str(efuse)]
    same_cause(folder, args, ESP_LOGS[name])


@pytest.mark.parametrize("name", list(MCUBOOT_LOGS))
def test_mcuboot_check_and_explain_name_the_same_cause(name: str, made_folders) -> None:
    changes, _cause, _check = mcuboot_builds.BROKEN[name]
    folder = made_folders(f"zephyr-{name}", lambda path: mcuboot_builds.write_zephyr(path, mcuboot_builds.zephyr(**changes)))
    image = ["--image", folder / "hello" / "zephyr" / "zephyr.signed.bin"] if name in MCUBOOT_IMAGE_BESIDE_LOG else []
    same_cause(folder, [], MCUBOOT_LOGS[name], image)


@pytest.mark.parametrize("name", list(TEGRA_LOGS))
def test_tegra_check_and_explain_name_the_same_cause(name: str, tmp_path: Path) -> None:
    command, fused, log = TEGRA_LOGS[name]
    tegra_builds.write_l4t(tmp_path, command)
    value = fused if fused == tegra_builds.ZERO_HASH else tegra_builds.t194_hash(fused)
    same_cause(tmp_path, ["--fuse-info", tegra_builds.fuse_info(tmp_path, value)], log)


@pytest.mark.parametrize("name", list(TEGRA_BOARD_LOGS))
def test_tegra_board_check_and_explain_name_the_same_cause(name: str, tmp_path: Path) -> None:
    command, module, log = TEGRA_BOARD_LOGS[name]
    tegra_builds.write_l4t(tmp_path, command, module=module, layout="qspi+emmc")
    same_cause(tmp_path, [], log)


def test_every_prediction_is_paired_with_a_boot_log() -> None:
    from bootdiag.core.rules import load_predictions

    paired = {esp_builds.BROKEN[n][2] for n in ESP_LOGS} | {mcuboot_builds.BROKEN[n][1] for n in MCUBOOT_LOGS}
    paired |= {"tegra.fuses_not_burned", "tegra.key_mismatch", "tegra.board_config_mismatch"}
    assert {p.id for p in load_predictions()} == paired
