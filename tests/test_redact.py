"""Redaction: identifiers become stable placeholders; digests, addresses and versions stay."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.core.redact import KEY_MATERIAL, Redactor, redact_report
from bootdiag.core.report import Evidence, Finding, Report

SHA256 = "8f1b3a4ca0a5f9e5b2d2c3a1d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9"


@pytest.mark.parametrize(
    "line,secret,expected",
    [
        ("MAC: 24:0a:c4:12:34:56", "24:0a:c4:12:34:56", "MAC: <mac-1>"),
        ("BASE MAC: 24:0a:c4:12:34:56", "24:0a:c4", "BASE MAC: <mac-1>"),
        ("I (512) wifi:mode : sta (24:0a:c4:12:34:56)", "24:0a", "I (512) wifi:mode : sta (<mac-1>)"),
        ("MAC_EXT: 60:55:f9:ff:fe:f7:2c:a0", "60:55:f9", "MAC_EXT: <mac-1>"),
        ("mac=240ac4123456", "240ac4123456", "mac=<mac-1>"),
        ("I (3456) esp_netif_handlers: sta ip: 192.168.1.42, mask: 255.255.255.0, gw: 192.168.1.1",
         "192.168.1.42", "I (3456) esp_netif_handlers: sta ip: <ip-1>, mask: 255.255.255.0, gw: <ip-2>"),
        ("address: fe80:0000:0000:0000:260a:c4ff:fe12:3456, type: LINK_LOCAL", "fe12:3456", "address: <ip-1>, type: LINK_LOCAL"),
        ("Serial number: A50285BI", "A50285BI", "Serial number: <serial-1>"),
        ("usb 1-1: SerialNumber: 0001ABCD", "0001ABCD", "usb 1-1: SerialNumber: <serial-1>"),
        ("Serial port /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", "A50285BI",
         "Serial port /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_<serial-1>-if00-port0"),
        ("Serial port /dev/cu.usbserial-A50285BI", "A50285BI", "Serial port /dev/cu.usbserial-<serial-1>"),
        ("[   0.0385 ] BR_CID: 0x80012344705DE8033400000003FF8100", "4705DE8033400000003FF8100",
         "[   0.0385 ] BR_CID: 0x800123<ecid-1>"),
        ("ecid: 0x8a0d1e4c5f001234", "8a0d1e4c5f001234", "ecid: 0x<ecid-1>"),
        ("chip_uid: 0x0123456789abcdef0123", "0123456789abcdef0123", "chip_uid: 0x<uid-1>"),
        ("UID: 0x1b2c3d4e5f607182", "1b2c3d4e5f607182", "UID: 0x<uid-1>"),
        ("I (2345) wifi:connected with My Home Net, aid = 1, channel 6, BW20, bssid = 11:22:33:44:55:66",
         "My Home Net", "I (2345) wifi:connected with <ssid-1>, aid = 1, channel 6, BW20, bssid = <mac-1>"),
        ("I (2100) example_connect: Connecting to My Home Net...", "Home", "I (2100) example_connect: Connecting to <ssid-1>..."),
        ('WiFi SSID: "Office 5G", password: hunter2', "hunter2", "WiFi SSID: <ssid-1>, password: <password>"),
        ('CONFIG_EXAMPLE_WIFI_SSID="myssid"', "myssid", "CONFIG_EXAMPLE_WIFI_SSID=<ssid-1>"),
        ("0x40080000: _WindowOverflow4 at /home/bookwater/esp/esp-idf/components/freertos/xtensa_vectors.S:1778",
         "bookwater", "0x40080000: _WindowOverflow4 at /home/<user>/esp/esp-idf/components/freertos/xtensa_vectors.S:1778"),
        ("/Users/jane/esp/build", "jane", "/Users/<user>/esp/build"),
        (r"C:\Users\Jane Doe\esp\project\build", "Jane", r"C:\Users\<user>\esp\project\build"),
        (r"C:\\Users\\jdoe\\esp", "jdoe", r"C:\\Users\\<user>\\esp"),
        ("jdoe@devbox:~/esp/hello$ idf.py flash", "devbox", "<user>@<host-1>:~/esp/hello$ idf.py flash"),
        ("reported by jane.doe@example.com", "example.com", "reported by <email-1>"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEx5", "AAAAC3", f"ssh-ed25519 {KEY_MATERIAL}"),
    ],
)
def test_identifier_is_replaced(line: str, secret: str, expected: str) -> None:
    out = Redactor().line(line)
    assert out == expected
    assert secret not in out


@pytest.mark.parametrize(
    "line",
    [
        f"Public key digest: {SHA256}",
        f"  SHA-256 of the image: {SHA256.upper()}",
        "CORRUPT HEAP: multi_heap.c:175 detected at 0x3fff9134",
        "I (296435) esp_image: segment 0: paddr=0x00120020 vaddr=0x3f400020 size=0x1f420 (128032) map",
        "SHA256 Fingerprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
        "esptool.py v4.7.0, ESP-IDF v5.1.2-dirty, L4T R35.4.1, build 1.2.3.4a",
        "Serial port /dev/ttyUSB0",
        "mask: 255.255.255.0, loopback 127.0.0.1, any 0.0.0.0",
        "std::vector<int> foo::bar at 12:34:56",
        "/Users/Shared/esp and /home/<user>/x",
        "Failed to read UID",
        "tegrarcm_v2 --chip 0x19 0 --uid --download bct_br br_bct_BR.bct",
        "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
        "Chip ID: 9",
        "git clone git@github.com:espressif/esp-idf.git",
        "curve 1.2.840.10045.3.1.7, UUID 123e4567-e89b-12d3-a456-426614174000",
    ],
)
def test_maintainer_facts_are_kept(line: str) -> None:
    assert Redactor().line(line) == line


def test_placeholders_are_stable_within_a_run() -> None:
    r = Redactor()
    first = r.line("MAC: 24:0a:c4:12:34:56 ip 10.0.0.7")
    other = r.line("bssid 66:55:44:33:22:11")
    again = r.line("station 24-0A-C4-12-34-56 at 10.0.0.7")
    assert first == "MAC: <mac-1> ip <ip-1>"
    assert other == "bssid <mac-2>"
    assert again == "station <mac-1> at <ip-1>"
    assert r.count == 3
    # A second run starts from 1 again: placeholders are per run, never a global id.
    assert Redactor().line("bssid 66:55:44:33:22:11") == "bssid <mac-1>"


def test_labelled_id_is_also_replaced_where_it_appears_without_its_label() -> None:
    r = Redactor()
    assert r.line("ecid: 0x8a0d1e4c5f001234") == "ecid: 0x<ecid-1>"
    assert r.line("fuse check for 8A0D1E4C5F001234 failed") == "fuse check for <ecid-1> failed"


def test_pem_blocks_keep_their_lines() -> None:
    text = (
        "key file:\r\n-----BEGIN EC PRIVATE KEY-----\r\nMHcCAQEEIBkg4LVWM9nuwNSk3yZ\r\noUQDQgAEn2Xw\r\n"
        "-----END EC PRIVATE KEY-----\r\nafter\r\n"
        'inline "-----BEGIN PUBLIC KEY-----\\nMFkwEwYH\\n-----END PUBLIC KEY-----"\n'
    )
    out = Redactor().text(text)
    assert "MHcCAQ" not in out and "oUQDQ" not in out and "MFkwEwYH" not in out
    assert out.count("\r\n") == text.count("\r\n") and out.count("\n") == text.count("\n")
    assert out.splitlines()[2] == KEY_MATERIAL
    assert out.splitlines()[5] == "after"
    assert "-----BEGIN PUBLIC KEY-----" + KEY_MATERIAL + "-----END PUBLIC KEY-----" in out


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 16])
def test_stream_changes_only_identifiers_whatever_the_chunking(chunk: int) -> None:
    data = (
        b"\x1b[0;32mI (1) wifi:mode : sta (24:0a:c4:12:34:56)\x1b[0m\r\n"
        b"\xff\xfe not utf-8 \xc3\r"
        b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\n"
        b"gw 192.168.4.1 no newline at the end"
    )
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    out = b"".join(Redactor().stream(pieces))
    assert out == (
        b"\x1b[0;32mI (1) wifi:mode : sta (<mac-1>)\x1b[0m\r\n"
        b"\xff\xfe not utf-8 \xc3\r"
        b"-----BEGIN PRIVATE KEY-----\n" + KEY_MATERIAL.encode() + b"\n-----END PRIVATE KEY-----\n"
        b"gw <ip-1> no newline at the end"
    )


def _report_with_identifiers() -> Report:
    finding = Finding(
        id="tegra.sample_rule", title="Images signed but fuses not burned", platform="tegra", confidence="high",
        # The explanation quotes the id before the evidence line that carries its label.
        explanation="The board 80012344705DE8033400000003FF8100 reports NS; host 192.168.1.42 signed with PKC.",
        evidence=[
            Evidence(line=12, text="[   0.0385 ] BR_CID: 0x80012344705DE8033400000003FF8100", event="TegraBrCid"),
            Evidence(line=30, text="MAC: 24:0a:c4:12:34:56", event="Unparsed"),
        ],
        fix=["sudo ./flash.sh -u /home/alice/keys/rsa.pem jetson-agx-orin-devkit mmcblk0p1"],
        first_line=12, last_line=30, priority=80,
    )
    return Report(
        source="/home/alice/logs/flash.log", status="diagnosed", findings=[finding],
        context={"l4t": "R35.4.1", "chip": "t234"},
        verification=[{"format": "esp", "path": "/home/alice/build/app.bin", "ok": True, "problems": [],
                       "info": {"key_digest": SHA256}}],
    )


def test_report_redaction_covers_every_field_and_keeps_the_rest() -> None:
    report = _report_with_identifiers()
    out = redact_report(report)
    dumped = json.dumps(out.to_json_dict())
    for secret in ("alice", "4705DE80334", "192.168.1.42", "24:0a:c4"):
        assert secret not in dumped
    f = out.findings[0]
    assert f.evidence[0].text == "[   0.0385 ] BR_CID: 0x800123<ecid-1>"
    assert f.explanation.startswith("The board 800123<ecid-1> reports NS; host <ip-1>")
    assert f.fix == ["sudo ./flash.sh -u /home/<user>/keys/rsa.pem jetson-agx-orin-devkit mmcblk0p1"]
    assert out.source == "/home/<user>/logs/flash.log"
    assert out.verification[0].path == "/home/<user>/build/app.bin"
    assert out.verification[0].info["key_digest"] == SHA256
    assert (f.id, f.event if hasattr(f, "event") else None) == ("tegra.sample_rule", None)
    assert out.context == {"l4t": "R35.4.1", "chip": "t234"}
    assert f.priority == 80, "ranking survives redaction"
    assert report.findings[0].evidence[1].text == "MAC: 24:0a:c4:12:34:56", "the original is not modified"


SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_acb57648b5c0ae1c.txt"
IDENTIFIERS = ("alice", "24:0a:c4:12:34:56", "192.168.1.42", "SN-2021-000417", "7a3f19c2", "bookwater")


def seed_with_identifiers(tmp_path: Path) -> Path:
    """Seed 003 (an unsigned OTA image) with esptool, network and serial-number lines added."""
    seed = SEED.read_bytes()
    extra = (
        b"esptool.py v4.7.0\r\n"
        b"Serial port /dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_7a3f19c2-if00-port0\r\n"
        b"Connecting....\r\nChip is ESP32-D0WD-V3 (revision v3.0)\r\nMAC: 24:0a:c4:12:34:56\r\n"
        b"I (2051) esp_netif_handlers: sta ip: 192.168.1.42, mask: 255.255.255.0, gw: 192.168.1.1\r\n"
        b"I (2060) app: Serial number: SN-2021-000417\r\n"
    )
    cut = seed.index(b"I (296425)")
    home = tmp_path / "home" / "alice"
    home.mkdir(parents=True)
    path = home / "boot.log"
    path.write_bytes(seed[:cut] + extra + seed[cut:])
    return path


def run_bootdiag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "BOOTDIAG_DEBUG")}
    return subprocess.run([sys.executable, "-m", "bootdiag", *args], capture_output=True, text=True, timeout=120,
                          env={**base, **(env or {})}, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(not SEED.is_file(), reason="shared/seeds is not beside the checkout")
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_every_format_is_redacted(tmp_path: Path, fmt: str) -> None:
    capture = seed_with_identifiers(tmp_path)
    if fmt != "text":  # the terminal view names the source only when healthy or unexplained
        plain = run_bootdiag("explain", str(capture), "--format", fmt)
        assert "alice" in plain.stdout, "without --redact the path is shown as given"
    proc = run_bootdiag("explain", str(capture), "--format", fmt, "--redact")
    assert proc.returncode == 1, proc.stderr
    assert "esp.unsigned_image" in proc.stdout
    for secret in IDENTIFIERS:
        assert secret not in proc.stdout
    if fmt != "text":
        assert "home/<user>/boot.log" in proc.stdout


def test_stream_of_one_endless_line_is_passed_through_in_bounded_pieces() -> None:
    data = b"x" * (3 << 20) + b" MAC: 24:0a:c4:12:34:56"
    pieces = list(Redactor().stream(data[i : i + (1 << 16)] for i in range(0, len(data), 1 << 16)))
    assert max(len(p) for p in pieces) <= (1 << 20) + (1 << 16)
    assert b"".join(pieces) == b"x" * (3 << 20) + b" MAC: <mac-1>"
