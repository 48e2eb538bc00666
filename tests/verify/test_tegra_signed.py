"""Jetson signed files: which key a BCH/sigheader carries, zero-key images, detection by header content."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.platforms.mcuboot import image as mcuboot
from bootdiag.platforms.tegra import signed as tegra
from bootdiag.verify.keys import parse_key
from bootdiag.verify.model import UnusableInput, VerifyOptions
from tegra_fixtures import VECTORS, rsa_pcp_t194, t186_sigheader, t194_bch, t234_bch


def _verify(data: bytes, **options: object) -> tegra.ImageReport:
    return tegra.verify(data, "image_sigheader.bin", VerifyOptions(**options))


def _ids(report: tegra.ImageReport) -> list[str]:
    return [p.id for p in report.problems]


def _public(kind: str):  # type: ignore[no-untyped-def]
    return parse_key(VECTORS[kind][0], kind).public_key


def _t234_pcp(kind: str) -> bytes:
    """Tegra-format public key (tegra.md §3.1), written out independently of bootdiag."""
    numbers = _public(kind).public_numbers()
    if kind == "rsa-3072":
        return numbers.n.to_bytes(384, "little")
    if kind == "ecdsa-p256":
        return numbers.x.to_bytes(32, "little") + numbers.y.to_bytes(32, "little")
    return numbers.x.to_bytes(66, "little") + bytes(2) + numbers.y.to_bytes(66, "little") + bytes(2)


def _key_file(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.pem"
    path.write_bytes(VECTORS[kind][0])
    return str(path)


@pytest.mark.parametrize("kind", ["rsa-2048", "rsa-3072"])
def test_t194_header_key_and_fuse_hash(kind: str, tmp_path: Path) -> None:
    bits = int(kind[4:])
    image = t194_bch(rsa_pcp_t194(_public(kind).public_numbers().n, bits))
    assert tegra.matches(image, VerifyOptions())
    report = _verify(image, keys=[_key_file(tmp_path, kind)])
    assert report.format == "tegra-signed"
    # the header carries the given key, but the PKC signature itself is not verified: partly checked
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert (report.info["chip"], report.info["magic_id"], report.info["sign_mode"]) == ("t194", "MB2B", "pkc")
    # SHA-256(bch[496:1712]) is the T194 PublicKeyHash (reference §3.5, Appendix A)
    assert report.info["key"] == {"algorithm": kind, "fuse_hash": "0x" + VECTORS[kind][1]["t194"]}
    assert report.info["signed_by"] == [_key_file(tmp_path, kind)]


@pytest.mark.parametrize("kind", ["rsa-3072", "ecdsa-p256", "ecdsa-p521"])
def test_t234_header_key_and_fuse_hash(kind: str, tmp_path: Path) -> None:
    image = t234_bch(_t234_pcp(kind))
    report = _verify(image, keys=[_key_file(tmp_path, kind)], fuse_hash=VECTORS[kind][1]["t234"])
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert report.missing == [tegra._SIGNATURE_NOT_VERIFIED]
    assert (report.info["chip"], report.info["magic_id"], report.info["payload_length"]) == ("t234", "MB1B", 64)
    assert report.info["key"] == {"algorithm": kind, "fuse_hash": "0x" + VECTORS[kind][1]["t234"]}
    assert report.info["signed_by"] == [_key_file(tmp_path, kind)]


def test_signed_with_another_key(tmp_path: Path) -> None:
    image = t234_bch(_t234_pcp("ecdsa-p256"))
    report = _verify(image, keys=[_key_file(tmp_path, "ecdsa-p521"), _key_file(tmp_path, "rsa-3072")])
    assert _ids(report) == ["tegra.key_hash_mismatch"]
    assert report.info["signed_by"] == []


def test_signed_image_against_another_fused_key() -> None:
    image = t194_bch(rsa_pcp_t194(_public("rsa-2048").public_numbers().n, 2048))
    report = _verify(image, fuse_hash=VECTORS["rsa-3072"][1]["t194"])
    assert _ids(report) == ["tegra.key_hash_mismatch"]
    assert report.problems[0].detail["computed"] == {"t194": "0x" + VECTORS["rsa-2048"][1]["t194"]}


@pytest.mark.parametrize("build", [lambda: t194_bch(b""), lambda: t234_bch(b""), lambda: t186_sigheader(5)])
def test_zero_key_image(build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    image = build()
    plain = _verify(image)
    assert plain.ok  # nothing says the board is fused
    assert plain.info["sign_mode"] == "zero-key"
    assert plain.info["suffix_convention"] == ".encrypt"
    fused = _verify(image, fuse_hash="0x" + "12" * (64 if image[:4] == b"NVDA" and len(image) > 8192 else 32))
    assert _ids(fused) == ["tegra.zero_key_image"]
    assert _ids(_verify(image, keys=[_key_file(tmp_path, "rsa-3072")])) == ["tegra.zero_key_image"]
    unfused = _verify(image, fuse_hash="0x" + "00" * 32)
    assert unfused.ok


def test_t186_sigheader_sign_types() -> None:
    report = _verify(t186_sigheader(1))
    assert (report.verdict, report.problems) == ("not_checked", [])
    assert (report.info["chip"], report.info["sign_type"], report.info["sign_mode"]) == ("t186", "oem-rsa", "pkc")
    assert "br_bct_BR.bct" in report.info["note"]
    assert _verify(t186_sigheader(0)).info["sign_mode"] == "unsigned"


def test_header_key_block_that_is_no_key() -> None:
    report = _verify(t234_bch(b"\x01" * 100))  # 100 bytes: a P-521 sized block, but not a curve point
    assert _ids(report) == ["tegra.unsupported_key"]
    assert report.info["key"]["algorithm"] is None


# ---------------------------------------------------------------------------------------------- detection


def test_detection_is_by_header_content() -> None:
    assert not tegra.matches(b"NVDA" + bytes(100), VerifyOptions())  # too short for any BCH layout
    assert not tegra.matches(b"NVDA" + bytes(8188), VerifyOptions())  # no signed-section marker or magic id
    assert not tegra.matches(b"GSHV" + bytes(384) + b"\x09\x00\x00\x00" + bytes(20), VerifyOptions())
    assert tegra.matches(t186_sigheader(5, magic=b"NVDA"), VerifyOptions())
    zero_key = t234_bch(b"")
    assert not mcuboot.matches(zero_key, VerifyOptions())


def test_bch_is_not_taken_for_a_key_or_the_reverse() -> None:
    from bootdiag.verify import verify_bytes

    assert not tegra.matches(VECTORS["ecdsa-p256"][0], VerifyOptions())
    assert verify_bytes(VECTORS["ecdsa-p256"][0], "k.pem").format == "key"
    assert _verify(t234_bch(_t234_pcp("ecdsa-p256"))).format == "tegra-signed"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["t194", "t234", "t186"]),
    st.lists(st.tuples(st.integers(0, 8300), st.integers(0, 255)), max_size=8),
    st.integers(0, 8400),
)
def test_mutated_headers_never_crash(kind: str, changes: list[tuple[int, int]], cut: int) -> None:
    base = {"t194": lambda: t194_bch(b"\x05" * 256), "t234": lambda: t234_bch(_t234_pcp("ecdsa-p256")),
            "t186": lambda: t186_sigheader(1)}[kind]()  # fmt: skip
    data = bytearray(base)
    for offset, value in changes:
        if offset < len(data):
            data[offset] = value
    mutated = bytes(data[:cut])
    if not tegra.matches(mutated, VerifyOptions()):
        return  # a verifier is only handed what it matches
    try:
        report = tegra.verify(mutated, "x", VerifyOptions(fuse_hash="ab" * 32))
    except UnusableInput as exc:
        assert "\n" not in str(exc)
    else:
        assert report.ok == (not report.problems and not report.missing)
