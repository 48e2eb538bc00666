"""Seeded generators of benchmark captures (written to a temporary directory, never committed).

Two shapes stand for the batch cases that matter:

- ``healthy``: one clean ESP32 boot, then hours of application output, coloured and CRLF-terminated
  as ``idf.py monitor`` saves it, with the occasional warning or error from application tags and
  plain ``printf`` lines between them;
- ``bootloop``: a board rejecting its app image on every boot (Secure Boot V2 verification fails,
  the ROM resets, again and again), so every line is a ROM or bootloader line and most of them
  reach the grammars.

Line strings follow ESP-IDF v4.4 output (IDF components/log/include/esp_log.h for the envelope and
colours; bootloader_support for the bootloader messages; see /work/shared/reference/esp.md).

Run ``python bench/generate.py healthy 1000000 out.log`` to write one.
"""
from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

_COLOUR = {"E": "\x1b[0;31m", "W": "\x1b[0;33m", "I": "\x1b[0;32m"}
_RESET = "\x1b[0m"

ROM_BOOT = [
    "ets Jul 29 2019 12:21:46",
    "",
    "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "configsip: 0, SPIWP:0xee",
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00",
    "mode:DIO, clock div:2",
    "load:0x3fff0030,len:6704",
    "load:0x40078000,len:15060",
    "load:0x40080400,len:3816",
    "entry 0x40080698",
]

BOOTLOADER_OK = [
    ("I", "boot", "ESP-IDF v4.4.6 2nd stage bootloader"),
    ("I", "boot", "compile time 10:12:41"),
    ("I", "boot", "chip revision: 3"),
    ("I", "boot.esp32", "SPI Speed      : 40MHz"),
    ("I", "boot.esp32", "SPI Mode       : DIO"),
    ("I", "boot.esp32", "SPI Flash Size : 4MB"),
    ("I", "boot", "Enabling RNG early entropy source..."),
    ("I", "boot", "Partition Table:"),
    ("I", "boot", "## Label            Usage          Type ST Offset   Length"),
    ("I", "boot", " 0 nvs              WiFi data        01 02 00009000 00006000"),
    ("I", "boot", " 1 phy_init         RF data          01 01 0000f000 00001000"),
    ("I", "boot", " 2 factory          factory app      00 00 00010000 00100000"),
    ("I", "boot", "End of partition table"),
    ("I", "esp_image", "segment 0: paddr=00010020 vaddr=3f400020 size=1f6a8h (128680) map"),
    ("I", "esp_image", "segment 1: paddr=0002f6d0 vaddr=3ffb0000 size=00948h (  2376) load"),
    ("I", "esp_image", "segment 2: paddr=00030020 vaddr=400d0020 size=8a3c4h (566212) map"),
    ("I", "esp_image", "segment 3: paddr=000ba3ec vaddr=3ffb0948 size=02c4ch ( 11340) load"),
    ("I", "esp_image", "segment 4: paddr=000bd040 vaddr=40080000 size=14c50h ( 85072) load"),
    ("I", "esp_image", "Verifying image signature..."),
    ("I", "secure_boot_v2", "Verifying with RSA-PSS..."),
]

BOOTLOADER_REJECTS = [
    ("E", "secure_boot_v2", "Secure Boot V2 verification failed."),
    ("E", "esp_image", "Secure boot signature verification failed"),
    ("I", "esp_image", "Calculating simple hash to check for corruption..."),
    ("W", "esp_image", "image valid, signature bad"),
    ("E", "boot", "Factory app partition is not bootable"),
    ("E", "boot", "No bootable app partitions in the partition table"),
]

APP_START = [
    ("I", "secure_boot_v2", "Signature verified successfully!"),
    ("I", "boot", "Loaded app from partition at offset 0x10000"),
    ("I", "boot", "Disabling RNG early entropy source..."),
    ("I", "cpu_start", "Pro cpu up."),
    ("I", "cpu_start", "Starting app cpu, entry point is 0x400811e8"),
    ("I", "cpu_start", "Pro cpu start user code"),
    ("I", "cpu_start", "cpu freq: 160000000"),
    ("I", "app_start", "Application information:"),
    ("I", "heap_init", "Initializing. RAM available for dynamic allocation:"),
    ("I", "spi_flash", "detected chip: generic"),
    ("I", "cpu_start", "Starting scheduler on PRO CPU."),
]

_APP_TAGS = ["wifi", "esp_netif_handlers", "mqtt_client", "app", "sensor", "httpd", "nvs", "ota_task", "ble_gatt"]
_APP_INFO = [
    "wifi:state: run -> connected (10)",
    "sta ip: 192.168.1.{n}, mask: 255.255.255.0, gw: 192.168.1.1",
    "MQTT_EVENT_DATA topic=sensors/{n} len={m}",
    "temperature={n}.{m} C humidity={m}%",
    "free heap: {k} bytes, min free {m}",
    "GET /api/status 200 ({m} ms)",
    "published msg_id={k}",
    "characteristic {m} notified, {n} subscribers",
]
_APP_WARN = [
    "Haven't to connect to a suitable AP now! attempt {n}",
    "MQTT_EVENT_DISCONNECTED, retry in {m} s",
    "low heap: {k} bytes",
    "sensor read timeout after {m} ms",
]
_APP_ERROR = [
    "esp-tls: connection refused (errno {n})",
    "nvs_get_blob failed: ESP_ERR_NVS_NOT_FOUND key=cfg{n}",
    "Failed to open socket, err {m}",
]
_PRINTF = ["Hello world! tick {k}", "heartbeat {k}", "> status ok uptime={k}s"]


def _idf(level: str, ms: int, tag: str, msg: str) -> str:
    colour = _COLOUR.get(level)
    line = f"{level} ({ms}) {tag}: {msg}"
    return f"{colour}{line}{_RESET}" if colour else line


def healthy_lines(count: int, seed: int = 1) -> Iterator[str]:
    rng = random.Random(seed)
    emitted = 0
    ms = 29
    for line in ROM_BOOT:
        yield line
        emitted += 1
    for level, tag, msg in BOOTLOADER_OK + APP_START:
        ms += rng.randint(1, 9)
        yield _idf(level, ms, tag, msg)
        emitted += 1
    while emitted < count:
        ms += rng.randint(1, 400)
        roll = rng.random()
        fields = {"n": rng.randint(0, 255), "m": rng.randint(0, 999), "k": rng.randint(1000, 999999)}
        if roll < 0.02:
            yield _idf("W", ms, rng.choice(_APP_TAGS), rng.choice(_APP_WARN).format(**fields))
        elif roll < 0.025:
            yield _idf("E", ms, rng.choice(_APP_TAGS), rng.choice(_APP_ERROR).format(**fields))
        elif roll < 0.08:
            yield rng.choice(_PRINTF).format(**fields)
        else:
            yield _idf("I", ms, rng.choice(_APP_TAGS), rng.choice(_APP_INFO).format(**fields))
        emitted += 1


def bootloop_lines(count: int, seed: int = 1) -> Iterator[str]:
    """Every boot: ROM banner and reset, bootloader, the signature check fails, watchdog reset."""
    rng = random.Random(seed)
    emitted = 0
    while emitted < count:
        ms = 29
        boot = list(ROM_BOOT)
        for level, tag, msg in BOOTLOADER_OK + BOOTLOADER_REJECTS:
            ms += rng.randint(1, 9)
            if msg.startswith("Secure Boot V2 verification failed"):
                boot.append("Sig block 0 invalid: Image digest does not match")  # ROM printf, no envelope
            boot.append(_idf(level, ms, tag, msg))
        for line in boot[: count - emitted]:
            yield line
        emitted += len(boot)


SHAPES = {"healthy": healthy_lines, "bootloop": bootloop_lines}


def capture_bytes(shape: str, count: int, seed: int = 1) -> bytes:
    return "".join(line + "\r\n" for line in SHAPES[shape](count, seed)).encode()


def write_capture(path: Path, shape: str, count: int, seed: int = 1, batch: int = 100_000) -> Path:
    """Write a capture of ``count`` lines without holding it in memory."""
    lines = SHAPES[shape](count, seed)
    with path.open("wb") as out:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= batch:
                out.write(("\r\n".join(buffer) + "\r\n").encode())
                buffer.clear()
        if buffer:
            out.write(("\r\n".join(buffer) + "\r\n").encode())
    return path


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SHAPES:
        sys.exit(f"usage: python {sys.argv[0]} {{{'|'.join(SHAPES)}}} LINES OUT")
    write_capture(Path(sys.argv[3]), sys.argv[1], int(sys.argv[2]))
