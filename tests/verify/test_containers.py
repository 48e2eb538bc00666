"""Intel HEX and ELF files: bootdiag's own reader against the IntelHex library that esptool and imgtool write
with, every image found at its address, broken files as one-line input errors."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from intelhex import IntelHex

from bootdiag.verify import verify_bytes
from bootdiag.verify.intel_hex import read_intel_hex
from bootdiag.verify.model import UnusableInput, VerifyOptions

from mcuboot_fixtures import WORKDIR, flip_byte, key_path, signed_image


def _hex_text(parts: dict[int, bytes]) -> bytes:
    """Intel HEX as the IntelHex library (esptool merge-bin --format hex, imgtool *.hex) writes it."""
    ih = IntelHex()
    for address, data in parts.items():
        ih.frombytes(data, address)
    path = WORKDIR / f"parts-{abs(hash(tuple(parts)))}.hex"
    ih.write_hex_file(str(path))
    return path.read_bytes()


def test_reader_agrees_with_intelhex() -> None:
    parts = {0x0: b"\x11" * 300, 0x12000: bytes(range(256)) * 3, 0x1_0000_0000 - 0x100: b"\x22" * 16}
    text = _hex_text(parts)
    reference = IntelHex()
    reference.loadhex(str(WORKDIR / f"parts-{abs(hash(tuple(parts)))}.hex"))
    regions = read_intel_hex(text, "x.hex")
    assert [(r.address, r.end) for r in regions] == reference.segments()
    assert all(r.data == reference.tobinstr(start=r.address, end=r.end - 1) for r in regions)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda lines: [lines[0][:-2] + b"00", *lines[1:]], "line 1: checksum"),
        (lambda lines: [lines[0], b":00000006FA", *lines[1:]], "line 2: unknown record type 0x06"),
        (lambda lines: [*lines, b":0400000011223344AA"], "data after the end-of-file record"),
        (lambda lines: [lines[0], lines[1][:9] + b"zz" + lines[1][11:], *lines[2:]], "line 2: not an Intel HEX record"),
    ],
)
def test_broken_hex_is_a_one_line_input_error(change, message: str) -> None:  # type: ignore[no-untyped-def]
    lines = _hex_text({0x8000: b"\x5a" * 64}).splitlines()
    with pytest.raises(UnusableInput, match=message) as info:
        verify_bytes(b"\n".join(change(lines)) + b"\n", "x.hex")
    assert "\n" not in str(info.value)


def test_two_records_for_one_address_must_agree() -> None:
    conflicting = b":0101000001FD\n:0101000002FC\n:00000001FF\n"
    with pytest.raises(UnusableInput, match="different bytes for address 0x100"):
        read_intel_hex(conflicting, "x.hex")
    assert read_intel_hex(b":0101000001FD\n:0101000001FD\n:00000001FF\n", "x.hex")[0].data == b"\x01"


def test_every_image_of_a_hex_is_checked_at_its_address() -> None:
    first, second = signed_image("ecdsa-p256"), signed_image("ed25519")
    text = _hex_text({0xC000: first, 0x80000: flip_byte(second, 0x300), 0x10001000: b"\xfe\xff\xff\xff"})
    options = VerifyOptions(keys=[str(key_path("ecdsa-p256")), str(key_path("ed25519"))])
    report = verify_bytes(text, "merged.hex", options)
    assert report.format == "intel-hex" and report.verdict == "invalid"
    assert [(p.address, p.format, p.verdict) for p in report.parts] == [
        (0xC000, "mcuboot", "valid"), (0x80000, "mcuboot", "invalid"),
    ]
    assert report.parts[1].has("mcuboot.hash_mismatch")
    unrecognised = [r for r in report.info["container"]["regions"] if r["holds"] is None]
    assert [r["address"] for r in unrecognised] == ["0x10001000"]


def test_hex_holding_no_image_is_an_input_error() -> None:
    with pytest.raises(UnusableInput, match="hold no recognised image"):
        verify_bytes(_hex_text({0x0: b"\x01\x02\x03\x04" * 64}), "code.hex")


@pytest.mark.skipif(shutil.which("ld") is None, reason="GNU ld makes the ELF")
def test_elf_segments_are_read_at_their_physical_address() -> None:
    image = WORKDIR / "for-elf.bin"
    image.write_bytes(signed_image("ecdsa-p256"))
    elf = WORKDIR / "image.elf"
    # -N: the program header does not load the ELF header itself, as firmware linker scripts have it
    result = subprocess.run(["ld", "-N", "-m", "elf_i386", "-b", "binary", "--section-start=.data=0x8000", "-e", "0",
                             "-o", str(elf), image.name], cwd=WORKDIR, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"ld cannot link an i386 ELF here: {result.stderr.strip()[:80]}")
    report = verify_bytes(elf.read_bytes(), "image.elf", VerifyOptions(keys=[str(key_path("ecdsa-p256"))]))
    assert (report.format, report.container, report.address, report.verdict) == ("mcuboot", "elf", 0x8000, "valid")
