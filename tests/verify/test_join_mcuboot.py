"""`explain LOG --image IMG --key KEY` on MCUboot captures, with images made by the real imgtool."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mcuboot_fixtures import key_path, signed_image

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "mcuboot"
SHARED_AREA = CORPUS / "tfm22-missing-boot-record.log"
NOT_VALID = CORPUS / "tfm-not-valid-generic.log"


def explain(log: Path, image: bytes, tmp_path: Path) -> tuple[int, dict]:
    path = tmp_path / "image.bin"
    path.write_bytes(image)
    proc = subprocess.run(
        [sys.executable, "-m", "bootdiag", "explain", str(log), "--image", str(path), "--key", str(key_path("ecdsa-p256")),
         "--format", "json"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def ids(report: dict) -> list[str]:
    return [f["id"] for f in report["findings"]]


def test_image_without_boot_record_confirms_the_cause_with_its_tlv_listing(tmp_path: Path) -> None:
    code, report = explain(SHARED_AREA, signed_image("ecdsa-p256"), tmp_path)
    assert code == 1 and ids(report)[0] == "mcuboot.missing_boot_record"
    listing = [e["text"] for e in report["findings"][0]["evidence"] if e["line"] == 0]
    assert listing == ["image.bin (mcuboot): valid; TLVs: SHA256, KEYHASH, ECDSA_SIG"]


def test_image_with_a_boot_record_rules_that_cause_out(tmp_path: Path) -> None:
    code, report = explain(SHARED_AREA, signed_image("ecdsa-p256", boot_record="NSPE"), tmp_path)
    assert "mcuboot.missing_boot_record" not in ids(report)
    assert ids(report)[0] == "mcuboot.boot_record_too_large" and code == 1
    assert any("BOOT_RECORD" in e["text"] for e in report["findings"][0]["evidence"] if e["line"] == 0)


def test_not_valid_with_neither_tlv_names_both_security_counter_first(tmp_path: Path) -> None:
    code, report = explain(NOT_VALID, signed_image("ecdsa-p256"), tmp_path)
    top = report["findings"][0]
    assert code == 1 and top["id"] == "mcuboot.missing_security_counter"
    assert "BOOT_RECORD" in top["explanation"]
    assert top["explanation"].index("SEC_CNT") < top["explanation"].index("BOOT_RECORD")
    assert any("--boot-record" in step for step in top["fix"])


def test_not_valid_with_both_tlvs_is_not_pinned_on_them(tmp_path: Path) -> None:
    _, report = explain(NOT_VALID, signed_image("ecdsa-p256", boot_record="NSPE", security_counter="auto"), tmp_path)
    assert "mcuboot.missing_security_counter" not in ids(report)
    assert "mcuboot.missing_boot_record" not in ids(report)
