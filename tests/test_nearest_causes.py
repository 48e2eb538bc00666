"""What a report lists as the nearest known causes of a failure no rule explains: rules whose cause can
happen on the chip the capture shows, the largest share of their evidence seen first."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain
from bootdiag.core.rules import Rule
from bootdiag.core.rules.validate import rule_errors
from bootdiag.render import render

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"


def nearest(case: str) -> dict[str, tuple[int, int]]:
    report = explain(REAL / f"{case}.log")
    assert report.status == "unexplained", case
    return {n.id: (n.met, n.of) for n in report.nearest}


def test_a_strap_only_the_esp32_has_is_not_near_an_esp32_s3_boot() -> None:
    # ESP32-S3 boot loop: the banner line is cut, so the reset line alone names no chip, but the
    # capture says ESP32-S3. GPIO12/MTDI selects the flash voltage on the ESP32 only.
    case = "esp/rom-s3-cores3-tg1wdt-loop-after-otadata-not-found-banner-cut-fenced"
    assert explain(REAL / f"{case}.log").context.get("chip") == "esp32s3"
    assert "esp.flash_voltage_strapping" not in nearest(case)


def test_an_octal_flash_efuse_is_not_near_an_esp32_md5_mismatch() -> None:
    # Only the ESP32-S3 has octal flash (and the FLASH_TYPE eFuse).
    case = "esp/flash-esp32-md5-mismatch-flash-supply-unstable"
    assert explain(REAL / f"{case}.log").context.get("chip") == "esp32"
    assert "esp.octal_flash_efuse_on_quad_flash" not in nearest(case)


def test_the_octal_flash_efuse_is_still_near_an_esp32_s3_md5_mismatch() -> None:
    # The MD5 mismatch is one of the rule's two conditions; the eFuse burn is not in the capture.
    near = nearest("esp/flash-s3-nerdminer-second-file-md5-mismatch-browser-flasher")
    assert near["esp.octal_flash_efuse_on_quad_flash"] == (1, 2)


def test_a_chip_the_capture_does_not_name_leaves_chip_bound_rules_listed() -> None:
    # No chip in view: the rule may apply, and the report says how much of it was seen.
    near = nearest("esp/flash-esp32-md5-mismatch-esptool-v2-dev-write-bug")
    assert near == {"esp.octal_flash_efuse_on_quad_flash": (1, 2)}


def test_a_watchdog_reset_alone_is_not_near_flash_encryption() -> None:
    # The flash encryption rule needs an app header that reads as garbage; a reset line only says
    # where such a header would show. A ROM watchdog reset is no evidence of it.
    for case in ("esp/rom-esp32-tg1wdt-reset-one-boot-library-example-fenced",
                 "esp/rom-s3-cores3-tg1wdt-loop-after-otadata-not-found-banner-cut-fenced",
                 "esp/app-tg1wdt-reset-loop-after-http-handler"):
        assert "esp.plaintext_on_encrypted_flash" not in nearest(case), case


def test_the_right_cause_with_its_failure_seen_stays_near() -> None:
    # A partition table that reads as garbage with no flash encryption in view: one of the plaintext
    # rule's two conditions shows (the thread found the wrong bootloader file, which no rule names).
    near = nearest("esp/boot-esp32-idf-2017-partition-invalid-magic-wrong-bootloader-file")
    assert near["esp.plaintext_on_encrypted_flash"] == (1, 2)
    # With the write of host-encrypted files beside the plain table, the rule is the diagnosis.
    told = explain(REAL / "esp/boot-esp32-fe-encrypted-bootloader-plaintext-partition-table-magic-c39a-fenced.log")
    assert told.findings[0].id == "esp.plaintext_on_encrypted_flash"
    # A QIO app on a board whose flash cannot do it: the start-up assert is one of two conditions.
    assert nearest("esp/app-esp32-gd25q32-qio-do-core-init-assert-esphome") == {"esp.flash_mode_mismatch": (1, 2)}


def test_the_larger_share_of_a_rule_seen_comes_first() -> None:
    # "Unable to find bootable image" is one of the empty-slot rule's two conditions and one of the
    # wrong-key rule's three.
    report = explain(REAL / "mcuboot/nrf5340-hw-downgrade-counter-update-failed-glued.log")
    assert [(n.id, n.met, n.of) for n in report.nearest] == [
        ("mcuboot.empty_slot", 1, 2), ("mcuboot.wrong_signing_key", 1, 3)]


def test_a_guard_that_needs_the_secured_board_is_near_its_failure() -> None:
    # The rule's situation (a board read as secured) is not a failure; the failure it names is.
    near = nearest("tegra/t234-orin-nx-pkc-only-initrd-flash-demands-sbk-key")
    assert near == {"tegra.key_mismatch": (1, 2)}


@pytest.mark.parametrize("fmt, shown", [
    ("text", "1 of its 2 conditions seen"),
    ("markdown", "1 of its 2 conditions seen"),
])
def test_every_report_says_how_much_of_a_near_rule_it_saw(fmt: str, shown: str) -> None:
    report = explain(REAL / "esp/flash-s3-nerdminer-second-file-md5-mismatch-browser-flasher.log")
    out = io.StringIO()
    render(report, fmt, out, width=200)
    assert shown in out.getvalue()


def test_json_gives_the_conditions_seen_of_each_near_rule() -> None:
    report = explain(REAL / "esp/flash-s3-nerdminer-second-file-md5-mismatch-browser-flasher.log")
    out = io.StringIO()
    render(report, "json", out)
    assert json.loads(out.getvalue())["nearest"] == [{
        "id": "esp.octal_flash_efuse_on_quad_flash",
        "title": "FLASH_TYPE eFuse set to octal on a module whose flash is quad", "met": 1, "of": 2,
    }]


def _rule(**extra: object) -> Rule:
    return Rule.model_validate({
        "id": "esp.example", "title": "t", "platform": "esp-idf", "explain": "e", "fix": ["f"],
        "when": {"all": [{"event": "RomReset"}]}, **extra,
    })


def test_a_rules_chips_must_be_chips_of_its_platform() -> None:
    assert rule_errors(_rule(chips=["esp32s3", "ESP32-C3"])) == []
    assert rule_errors(_rule(chips=["esp8266x"])) == ["chips[0]: 'esp8266x' is not a chip of platform 'esp'"]


def test_a_rule_fits_the_chips_it_names_and_any_chip_not_shown() -> None:
    rule = _rule(chips=["esp32"])
    assert rule.fits_chip("esp32") and rule.fits_chip("ESP32") and rule.fits_chip(None)
    assert not rule.fits_chip("esp32s3") and not rule.fits_chip("esp8266")
    assert _rule().fits_chip("esp32s3")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_failure_no_rule_comes_near_is_said_as_such(fmt: str) -> None:
    report = explain(REAL / "esp/rom-s3-cores3-tg1wdt-loop-after-otadata-not-found-banner-cut-fenced.log")
    assert report.status == "unexplained" and report.nearest == []
    out = io.StringIO()
    render(report, fmt, out, width=200)
    assert "No known cause comes near: no rule's evidence is among these lines." in out.getvalue()
    assert "earest known causes" not in out.getvalue()
