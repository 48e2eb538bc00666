"""Random mutations and truncations of real images: a report or UnusableInput, never another exception."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootdiag.platforms.mcuboot import image as mcuboot
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions
from mcuboot_fixtures import key_path, signed_image

BASES = [
    ("ecdsa-p256", "hash", "NSPE", "7"),
    ("rsa-2048", "full", None, None),
    ("ed25519", "hash", "SPE", None),
    ("ecdsa-p384", "full", "NSPE", "auto"),
]


def _options(key_type: str) -> VerifyOptions:
    return VerifyOptions(
        keys=[str(key_path(key_type)), str(key_path("rsa-3072"))],
        measured_boot=True,
        security_counter=True,
        max_record_size=100,
        header_size=0x200,
    )


def _check(data: bytes, key_type: str) -> None:
    try:
        matched = mcuboot.matches(data, VerifyOptions())
        report = mcuboot.verify(data, "fuzz.bin", _options(key_type))
    except UnusableInput as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(matched, bool)
    assert isinstance(report, ImageReport)
    assert report.ok == (not report.problems)
    json.dumps(report.model_dump())


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    key_type, key_format, record, counter = draw(st.sampled_from(BASES))
    image = bytearray(signed_image(key_type, key_format, record, counter))
    for _ in range(draw(st.integers(0, 6))):
        # bias towards the header and the TLV areas, where the structure lives
        region = draw(st.sampled_from(["header", "tlvs", "anywhere"]))
        low, high = {"header": (0, 32), "tlvs": (len(image) - 400, len(image)), "anywhere": (0, len(image))}[region]
        offset = draw(st.integers(max(low, 0), high - 1))
        image[offset] = draw(st.integers(0, 255))
    cut = draw(st.one_of(st.none(), st.integers(0, len(image))))
    return bytes(image if cut is None else image[:cut]), key_type


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_images_never_crash(case: tuple[bytes, str]) -> None:
    _check(*case)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.sampled_from([b"\x3d\xb8\xf3\x96", b"\x96\xf3\xb8\x3d", b""]))
def test_random_bytes_behind_a_magic_never_crash(body: bytes, magic: bytes) -> None:
    _check(magic + body, "ecdsa-p256")


@settings(max_examples=100, deadline=None)
@given(
    hdr_size=st.integers(0, 0xFFFF),
    prot_size=st.integers(0, 0xFFFF),
    img_size=st.integers(0, 0xFFFFFFFF),
    tail=st.binary(max_size=300),
)
def test_absurd_header_fields_never_crash(hdr_size: int, prot_size: int, img_size: int, tail: bytes) -> None:
    import struct

    header = struct.pack("<IIHHIIBBHII", 0x96F3B83D, 0, hdr_size, prot_size, img_size, 0, 1, 0, 0, 0, 0)
    _check(header + tail, "ed25519")
