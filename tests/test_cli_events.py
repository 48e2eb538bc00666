"""`bootdiag events`: the events explain reads from a capture, one JSON object per line."""
from __future__ import annotations

import io
import json
from pathlib import Path

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

# esptool's security report: "Flash Encryption: Enabled" is a benign catalogue line that only a rule
# reads (esp.plaintext_on_encrypted_flash), "Hard resetting" a milestone every run reads.
CAPTURE = (
    b"esptool.py v4.7.0\nSerial port /dev/ttyACM0\nConnecting...\nChip is ESP32-S3 (QFN56) (revision v0.2)\n"
    b"Secure Boot: Disabled\nFlash Encryption: Enabled\nHard resetting via RTS pin...\n"
)


def events(*args: str, stdin: bytes = CAPTURE) -> list[dict]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["events", *args], Environment(stdin=io.BytesIO(stdin), stdout=out, stderr=err, variables={}))
    assert code == 0, err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_a_rule_reads_is_an_event_as_explain_reads_it() -> None:
    found = {e["line"]: e for e in events()}
    assert found[6]["kind"] == "CatalogueMessage"
    assert found[6]["message"] == "esptool.security_flash_encryption_enabled"
    assert 5 not in found  # no shipped rule reads "Secure Boot: Disabled"


def test_rules_given_add_the_lines_they_read(tmp_path: Path) -> None:
    rule = tmp_path / "extra.toml"
    rule.write_text(
        '[[rule]]\nid = "esp.extra_secure_boot_off"\ntitle = "Secure boot reported off"\nplatform = "esp"\n'
        'explain = "The security report says secure boot is off."\nfix = ["Nothing to do."]\n'
        '[rule.when]\nall = [ { event = "Message", where = { message_id = "esptool.security_secure_boot_disabled" } } ]\n'
    )
    found = {e["line"]: e for e in events("--rules", str(rule))}
    assert found[5]["message"] == "esptool.security_secure_boot_disabled"
    assert found[6]["message"] == "esptool.security_flash_encryption_enabled"
