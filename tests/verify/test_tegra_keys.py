"""Jetson key files (through the generic key report): PublicKeyHash per chip (Appendix A vectors), every key
form, fuse comparisons, key loading."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.platforms.tegra import signed as tegra
from bootdiag.verify import verify_bytes
from bootdiag.verify.keys import is_key_material, load_key, parse_key
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions
from tegra_fixtures import RSA2048_T234_UNSUPPORTED, VECTORS, private_key, serialise


def _verify(data: bytes, **options: object) -> ImageReport:
    return verify_bytes(data, "key.pem", VerifyOptions(**options))


def _tegra(report: ImageReport) -> dict:
    return report.info["tegra"]


def _ids(report: tegra.ImageReport) -> list[str]:
    return [p.id for p in report.problems]


def _word_swap(hex_value: str) -> str:
    raw = bytes.fromhex(hex_value)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4)).hex()


@pytest.mark.parametrize("kind", list(VECTORS))
def test_appendix_a_vectors(kind: str) -> None:
    pem, expected = VECTORS[kind]
    report = _verify(pem)
    assert report.format == "key"
    assert report.ok
    assert report.info["algorithm"] == kind
    assert _tegra(report)["fuse_hashes"] == {chip: "0x" + value for chip, value in expected.items()}
    assert {k: v for k, v in report.info["digests"].items() if k.startswith("tegra")} == {
        f"tegra_public_key_hash_{chip}": value for chip, value in expected.items()
    }


def test_rsa2048_on_t234_is_what_tegrasign_would_print_but_unsupported() -> None:
    pem, _ = VECTORS["rsa-2048"]
    assert tegra.fuse_hash(parse_key(pem, "k").public_key, "t234").hex() == RSA2048_T234_UNSUPPORTED
    report = _verify(pem, chip="t234")
    assert _ids(report) == ["tegra.unsupported_key"]
    assert "t234" in _tegra(report)["unsupported_chips"]


def test_t186_fuse_bypass_word_order() -> None:
    # Appendix A: FAB_ENTRY(PUBLIC_KEY0, PUBLIC_KEY0, 0x83daa8e4) for the T186 value e4a8da83...
    pem, expected = VECTORS["rsa-2048"]
    assert _word_swap(expected["t186"]).startswith("83daa8e4")
    report = _verify(pem, fuse_hash="0x" + _word_swap(expected["t186"]))
    assert report.ok
    assert _tegra(report)["fuse_comparison"][0]["chip"] == "t186"
    assert "byte-swapped" in _tegra(report)["fuse_comparison"][0]["order"]


@pytest.mark.parametrize(
    "form", ["traditional-pem", "pkcs8-pem", "pkcs8-der", "traditional-der", "spki-pem", "spki-der", "pkcs1-public-pem"]
)
@pytest.mark.parametrize("kind", ["rsa-2048", "rsa-3072"])
def test_every_rsa_key_form_gives_the_same_hashes(kind: str, form: str) -> None:
    key = private_key(kind)
    chips = [c for c in tegra.CHIPS if kind in tegra.SUPPORTED_KEYS[c]]
    reference = {c: "0x" + tegra.fuse_hash(key.public_key(), c).hex() for c in chips}
    data = serialise(key, form)
    assert is_key_material(data) and not tegra.matches(data, VerifyOptions())
    report = _verify(data)
    assert report.ok
    assert _tegra(report)["fuse_hashes"] == reference
    assert report.info["private"] == (form not in ("spki-pem", "spki-der", "pkcs1-public-pem"))
    containers = {"traditional": "pkcs1", "pkcs8": "pkcs8", "spki": "spki", "pkcs1": "pkcs1"}
    assert report.info["container"] == containers[form.split("-")[0]]
    # OpenSSL 3's default PKCS#8 form is what tegrakeyhash rejects with "Invalid key format"
    assert ("tegrakeyhash" in _tegra(report)) == form.startswith("pkcs8")


@pytest.mark.parametrize("form", ["traditional-pem", "pkcs8-pem", "traditional-der", "spki-der"])
@pytest.mark.parametrize("kind", ["ecdsa-p256", "ecdsa-p521"])
def test_every_ec_key_form_gives_the_same_hash(kind: str, form: str) -> None:
    key = private_key(kind)
    report = _verify(serialise(key, form))
    assert report.ok
    assert _tegra(report)["fuse_hashes"] == {"t234": "0x" + tegra.fuse_hash(key.public_key(), "t234").hex()}
    if form.startswith("traditional"):
        assert report.info["container"] == "sec1"


@pytest.mark.parametrize("kind", ["ecdsa-p384"])
def test_curve_without_a_jetson_recipe_is_unsupported(kind: str) -> None:
    pem = serialise(private_key(kind), "pkcs8-pem")
    assert _ids(_verify(pem, chip="t234")) == ["tegra.unsupported_key"]
    # without a Jetson chip or fuse value the key may serve another platform: nothing is wrong with it
    report = _verify(pem)
    assert report.ok and _tegra(report)["fuse_hashes"] == {}


def test_ed25519_is_unsupported() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert _ids(_verify(pem, chip="t194")) == ["tegra.unsupported_key"]
    assert _verify(pem).ok


def test_rsa3072_on_t186_is_unsupported() -> None:
    pem, _ = VECTORS["rsa-3072"]
    assert _ids(_verify(pem, chip="0x18")) == ["tegra.unsupported_key"]
    assert _verify(pem, chip="t194").ok


# ---------------------------------------------------------------------------------------------- fuse comparison


@pytest.mark.parametrize("kind", list(VECTORS))
def test_matching_fuse_hash(kind: str) -> None:
    pem, expected = VECTORS[kind]
    for chip, value in expected.items():
        report = _verify(pem, fuse_hash=f"0x{value.upper()}")
        assert report.ok, report.problems
        assert _tegra(report)["fuse_comparison"][0]["matches"] is True
        assert _tegra(report)["fuse_comparison"][0]["chip"] == chip


def test_mismatching_fuse_hash() -> None:
    pem, _ = VECTORS["ecdsa-p256"]
    _, other = VECTORS["rsa-3072"]
    report = _verify(pem, fuse_hash=other["t234"])
    assert _ids(report) == ["tegra.key_hash_mismatch"]
    assert report.problems[0].detail["fused"] == "0x" + other["t234"]


def test_unburned_fuse_is_reported() -> None:
    pem, _ = VECTORS["rsa-3072"]
    report = _verify(pem, fuse_hash="0x" + "00" * 64)
    assert _ids(report) == ["tegra.key_hash_mismatch"]
    assert "not burned" in report.problems[0].message


def test_fuse_hash_of_the_other_chip_family() -> None:
    pem, _ = VECTORS["ecdsa-p256"]  # a T234-only key against a 32-byte T194 value
    report = _verify(pem, fuse_hash="ab" * 32)
    assert _ids(report) == ["tegra.key_hash_mismatch"]


def _fuse_info(tmp_path: Path, public_key_hash: str, boot_security_info: str = "00000209") -> str:
    # odmfuseread.sh output (tegra.md §4.2): "<FuseName>: <hex>", no 0x prefix
    text = (
        f"PublicKeyHash: {public_key_hash}\nBootSecurityInfo: {boot_security_info}\nArmJtagDisable: 00000000\n"
        "SecurityMode: 00000000\nSwReserved: 00000000\nDebugAuthentication: 00000000\nOdmId: 0000000000000000\n"
    )
    path = tmp_path / "fuse_info.txt"
    path.write_text(text)
    return str(path)


def test_fuse_info_file(tmp_path: Path) -> None:
    pem, expected = VECTORS["rsa-3072"]
    report = _verify(pem, fuse_info=_fuse_info(tmp_path, expected["t234"], "000003e9"))
    assert report.ok, report.problems
    assert _tegra(report)["boot_security_info_fused"] == {"value": "0x3e9", "auth_scheme": "rsa-3072"}
    other = VECTORS["ecdsa-p521"][1]["t234"]
    assert _ids(_verify(pem, fuse_info=_fuse_info(tmp_path, other, "000003e9"))) == ["tegra.key_hash_mismatch"]


def test_boot_security_info_names_another_key_type(tmp_path: Path) -> None:
    # forum 314667: a P-256 key with BootSecurityInfo 0x20b (P-521)
    pem, expected = VECTORS["ecdsa-p256"]
    report = _verify(pem, fuse_info=_fuse_info(tmp_path, expected["t234"], "0000020b"))
    assert _ids(report) == ["tegra.boot_security_info_mismatch"]


def test_t194_fuse_info(tmp_path: Path) -> None:
    pem, expected = VECTORS["rsa-2048"]
    assert _verify(pem, fuse_info=_fuse_info(tmp_path, expected["t194"], "00000001")).ok
    report = _verify(pem, fuse_info=_fuse_info(tmp_path, expected["t194"], "00000002"))
    assert _ids(report) == ["tegra.boot_security_info_mismatch"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fuse_hash": "xyz"}, "not a hex fuse value"),
        ({"fuse_hash": "0x1234"}, "PublicKeyHash is 32"),
        ({"fuse_info": "/nonexistent/fuse_info.txt"}, "no such fuse_info file"),
    ],
)
def test_unusable_fuse_inputs(options: dict[str, str], message: str) -> None:
    with pytest.raises(UnusableInput, match=message):
        _verify(VECTORS["rsa-2048"][0], **options)


def test_fuse_info_without_public_key_hash(tmp_path: Path) -> None:
    path = tmp_path / "fuse_info.txt"
    path.write_text("SecurityMode: 00000000\n")
    with pytest.raises(UnusableInput, match="PublicKeyHash"):
        _verify(VECTORS["rsa-2048"][0], fuse_info=str(path))


# ---------------------------------------------------------------------------------------------- key loading


def test_key_files_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(serialise(private_key("rsa-2048"), "pkcs8-pem"))
    key = load_key(path)
    assert (key.algorithm, key.container, key.encoding, key.has_private) == ("rsa-2048", "pkcs8", "pem", True)
    assert key.describe() == "rsa-2048 private key (pkcs8 PEM)"


def test_pem_with_parameters_block_first() -> None:
    # `openssl ecparam -genkey` writes an EC PARAMETERS block before the key
    pem = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + serialise(
        private_key("ecdsa-p256"), "traditional-pem"
    )
    assert parse_key(pem, "k").algorithm == "ecdsa-p256"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello world\n", "not a PEM or DER key"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "holds CERTIFICATE, not a key"),
        (b"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", "unreadable PRIVATE KEY"),
        (b"-----BEGIN PUBLIC KEY-----\nMIIB\n", "broken PEM armour"),
        (b"\x30\x03\x02\x01\x05", "not a readable key"),
    ],
)
def test_garbage_keys_are_unusable_input(data: bytes, message: str) -> None:
    with pytest.raises(UnusableInput, match=message) as excinfo:
        parse_key(data, "k.pem")
    assert "\n" not in str(excinfo.value)


def test_password_protected_key() -> None:
    with pytest.raises(UnusableInput, match="password-protected"):
        parse_key(serialise(private_key("rsa-2048"), "encrypted-pkcs8-pem"), "k.pem")


def test_missing_key_file() -> None:
    with pytest.raises(UnusableInput, match="no such key file"):
        load_key("/nonexistent/key.pem")


def test_key_detection_is_by_content() -> None:
    pem = serialise(private_key("rsa-2048"), "pkcs8-pem")
    assert is_key_material(pem)
    assert is_key_material(serialise(private_key("rsa-2048"), "spki-der"))
    firmware_with_embedded_key = b"\x00\x01\x02" * 100 + pem + b"\x00" * 50
    assert not is_key_material(firmware_with_embedded_key)
    assert not tegra.matches(firmware_with_embedded_key, VerifyOptions())
    assert not tegra.matches(b"\x30\x82\x01\x00" + bytes(256), VerifyOptions())
    assert not tegra.matches(b"not a key", VerifyOptions())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"-----BEGIN PRIVATE KEY-----\n", b"\x30\x82\x01\x22"]))
def test_random_key_bytes_never_crash(body: bytes, prefix: bytes) -> None:
    data = prefix + body + (b"\n-----END PRIVATE KEY-----\n" if prefix.startswith(b"-") else b"")
    assert isinstance(tegra.matches(data, VerifyOptions()), bool)
    try:
        verify_bytes(data, "k", VerifyOptions())
    except UnusableInput as exc:
        assert "\n" not in str(exc)
