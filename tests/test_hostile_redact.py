"""Redaction leaves nothing behind in any output, shows controls harmlessly, and costs linear time.

tests/data/redact-every-form.log holds every form that used to leak: MACs dotted, bare, spaced and
split by a colour code, ``unique id: 0x...``, WIFI_PASS= and ap_pass:, Fedora and Git Bash prompts,
``~user/``, ``USER=``, cloud keys and tokens, the flash-encryption key as espefuse prints it in a
summary, a dump and JSON, host names, and credentials in MQTT, HTTP and FTP URLs; and BEL,
backspace and a C1 CSI in a failure line.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hostile_support import bootdiag

from bootdiag.core.redact import KEY_MATERIAL, Redactor
from bootdiag.verify import UnusableInput
from bootdiag.verify.keys import parse_key

ROOT = Path(__file__).resolve().parents[1]
EVERY_FORM = ROOT / "tests" / "data" / "redact-every-form.log"
SECRETS = (
    # MACs: bare, spaced, dotted, and split by a colour code
    "246f28a1b2c3", "24 6f 28 a1 b2 c4", "246f.28a1.b2c5", "a1:b2:c6", "5f3a9c7e11d24b86",
    "hunter2pass", "s3cretAP", "AKIAQ7X3EXAMPLEKEY9Z", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "eyJhbGciOiJIUzI1NiJ9",
    "ghp_Zq8vB3nK1mR7tY2wX5cL9pD4fH6jA0sE3uG8", "xoxb-2048", "devuser", "mqttpw77", "broker.acme-iot.com", "fwuser", "httppw55",
    "fw.acme-iot.com", "ftpuser", "ftppw66", "files.acme.lan", "lab-bench-07", "printer.office.local", "jdoe", "buildbox",
    "DESKTOP-7QX2", "3a 91 c4 7e", "7ec4913a", "f8225d0b",
)
CONTROLS = ("\x07", "\x08", "\x9b")


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}"


def test_the_capture_holds_every_form() -> None:
    text = EVERY_FORM.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret in text.replace("\x1b[0m", ""), secret


def test_every_output_format_is_redacted_and_shows_controls_escaped() -> None:
    for fmt in ("text", "json", "markdown"):
        ran = bootdiag("explain", str(EVERY_FORM), "--redact", "--format", fmt)
        assert ran.code == 3, ran.err  # a failure no rule explains: its lines are in the report
        assert_clean(ran.out, fmt)
        if fmt == "json":
            lines = [u["text"] for u in json.loads(ran.out)["unexplained"]]
            assert any("\x07" in line for line in lines), "JSON keeps the text; its encoding escapes it"
        else:
            assert not any(c in ran.out for c in CONTROLS), fmt
            assert "bell\\x07 backspace\\x08 csi\\x9b2J" in ran.out, fmt
        assert "<mac-1>" in ran.out and "<password>" in ran.out and "<secret>" in ran.out and "<credentials>" in ran.out


def test_colour_output_shows_controls_escaped_too() -> None:
    ran = bootdiag("explain", str(EVERY_FORM), "--color")
    assert "bell\\x07 backspace\\x08 csi\\x9b2J" in ran.out
    assert not any(c in ran.out for c in CONTROLS)


def test_the_bundle_is_redacted_in_every_member(tmp_path: Path) -> None:
    summary = tmp_path / "efuse-summary.txt"
    summary.write_text(
        "BLOCK_KEY0 (BLOCK4)\n  Purpose: XTS_AES_128_KEY\n    Key0 or user data\n"
        "   = 3a 91 c4 7e 0b 5d 22 f8 61 9e 07 b3 c5 48 d1 2f 8a 77 e0 19 54 c6 3b 0d 9f 2e 61 a8 75 c3 14 e9 R/- \n"
        "BLOCK1          (flash_encryption) [1 ] dump: 7ec4913a f8225d0b b3079e61 2fd148c5 19e0778a 0d3bc654 a8612e9f e914c375\n"
        "MAC (BLOCK1)                                       MAC address\n   = 24:6f:28:a1:b2:c3 (OK) R/W\n"
    )
    config = tmp_path / "sdkconfig"
    config.write_text('CONFIG_ESP_WIFI_SSID="lab"\nCONFIG_ESP_WIFI_PASSWORD="hunter2pass"\nCONFIG_BROKER_URL="mqtt://devuser:mqttpw77@broker.acme-iot.com"\n')
    out = tmp_path / "bug.zip"
    ran = bootdiag("report", str(EVERY_FORM), "--redact", "--config", str(config), "-o", str(out))
    assert ran.code == 3, ran.err
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}
    assert "capture.log" in files and any(name.startswith("inputs/") for name in files)
    for name, text in files.items():
        assert_clean(text, name)
    assert files["capture.log"].count("\n") == EVERY_FORM.read_bytes().count(b"\n"), "lines are never added or removed"
    assert KEY_MATERIAL in files["capture.log"]
    summary_out = b"".join(Redactor().stream([summary.read_bytes()])).decode()
    assert_clean(summary_out, "eFuse summary")
    assert summary_out.count(KEY_MATERIAL) == 2


def test_an_unburned_block_and_key_digests_stay() -> None:
    zeros = "   = " + "00 " * 31 + "00 R/W "
    digest = "Public key digest: 8f1b3a4ca0a5f9e5b2d2c3a1d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9"
    assert Redactor().line(zeros) == zeros and Redactor().line(digest) == digest


# ------------------------------------------------------------------ linear time
def test_the_quadratic_cases_are_linear_now(tmp_path: Path) -> None:
    """Each was minutes at a few hundred kilobytes; at 1 MB each is now well under a few seconds (of CPU
    time: other work on a shared machine does not count)."""
    begins = b"-----BEGIN PUBLIC KEY-----\n" * 37_000  # 1 MB of BEGIN lines, no END
    start = time.process_time()
    try:
        parse_key(begins, "begins.pem")
    except UnusableInput:
        pass
    assert time.process_time() - start < 2
    redactor = Redactor()
    start = time.process_time()
    out = b"".join(redactor.stream([b"-----BEGIN RSA PRIVATE KEY-----" * 32_000 + b"\n"]))
    assert time.process_time() - start < 2 and out.count(b"\n") == 1
    serials = "".join(f"I ({n}) app: Serial number: SN{n:08d}X\n" for n in range(20_000))
    start = time.process_time()
    redacted = redactor.text(serials)
    assert time.process_time() - start < 10
    assert "SN00000001X" not in redacted and "SN00019999X" not in redacted


def test_ids_remembered_from_a_label_are_found_again_however_many() -> None:
    redactor = Redactor()
    for n in range(5000):
        redactor.line(f"Serial number: SN{n:06d}")
    start = time.process_time()
    line = " ".join(f"SN{n:06d}" for n in range(0, 5000, 50))
    out = redactor.line(line)
    assert time.process_time() - start < 0.5
    assert "SN000050" not in out and "<serial-51>" in out


# ------------------------------------------------------------------ fuzz
_PIECES = ["MAC: ", "24:0a:c4:12:34:56", "240a.c412.3456", "-----BEGIN KEY-----", "-----END KEY-----", "password=", "\x1b[0m",
           "mqtt://u:p@h", "/home/", "~", "ssid: ", "serial: SN1234567", "0x", " ", "\t", "é", "\x00", ":", "@", "[", "]$"]


@settings(max_examples=200, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(pieces=st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=30), ends=st.sampled_from(["\n", "\r\n", "\r"]),
       size=st.integers(1, 64))
def test_the_redactor_never_fails_and_keeps_every_line(pieces: list[str], ends: str, size: int) -> None:
    text = "".join(pieces)
    lines = [text, text[::-1], text.upper()]
    data = ends.join(lines).encode("utf-8", "surrogatepass")
    whole = b"".join(Redactor().stream([data]))
    cut = b"".join(Redactor().stream(data[i : i + size] for i in range(0, len(data), size)))
    assert whole == cut
    assert whole.count(b"\n") == data.count(b"\n") and whole.count(b"\r") == data.count(b"\r")
    json.dumps(Redactor().value({"text": text, "list": [text], "docs": [text]}))
    io.StringIO().write(Redactor().text(text))
