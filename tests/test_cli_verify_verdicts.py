"""`bootdiag verify` verdicts as a user sees them: three states with their exit statuses, a compact default,
--verbose, colour, JSON; key files reported for every platform; every bad input is exit 2."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

sys.path.insert(0, str(Path(__file__).parent / "verify"))
from esp_fixtures import build_app, run_espsecure, sbv2_key_digest_hex, sign, signing_key, work_dir  # noqa: E402
from mcuboot_fixtures import imgtool, key_path, signed_image  # noqa: E402


def verify(*args: object, color: bool | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={})
    code = run(["verify", *map(str, args)], env)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "signed.bin"
    path.write_bytes(signed_image("ecdsa-p256"))
    return path


def test_three_verdicts_three_exit_statuses(image: Path) -> None:
    assert verify(image, "--key", key_path("ecdsa-p256"))[0] == 0
    assert verify(image, "--key", key_path("ecdsa-p256", "b"))[0] == 1
    code, out, _ = verify(image)
    assert code == 7
    assert "partly checked" in out.splitlines()[0]
    assert "missing: a trusted key (--key)" in out


def test_compact_default_verbose_and_json(image: Path) -> None:
    _, out, _ = verify(image, "--key", key_path("ecdsa-p256"))
    lines = out.splitlines()
    assert 2 <= len(lines) <= 8 and lines[0].endswith(": mcuboot: valid")
    assert "ECDSA_SIG signature verified with" in lines[1]
    _, verbose, _ = verify(image, "--key", key_path("ecdsa-p256"), "--verbose")
    assert len(verbose.splitlines()) > 20 and "tlvs:" in verbose
    _, text, _ = verify(image, "--format", "json")
    report = json.loads(text)
    assert (report["verdict"], report["ok"]) == ("not_checked", False)
    assert report["missing"] and report["checked"] and report["info"]["tlvs"]


def test_colour_follows_the_option_and_the_environment(image: Path) -> None:
    assert "\x1b[" in verify(image, "--color")[1]
    assert "\x1b[" not in verify(image)[1]  # not a terminal


def test_key_file_gets_every_platforms_digest() -> None:
    rsa = signing_key("rsa3072")
    code, out, _ = verify(rsa, "--format", "json")
    report = json.loads(out)
    assert (code, report["format"]) == (0, "key")
    assert report["info"]["digests"]["esp_sbv2_key_digest"] == sbv2_key_digest_hex(rsa)
    assert set(report["info"]["digests"]) >= {"mcuboot_key_hash", "tegra_public_key_hash_t194"}
    # --chip of a platform that reads images no longer reads the key as one
    code, out, _ = verify(rsa, "--chip", "esp32")
    assert code == 0 and "esp_sbv2_key_digest" in out and "magic" not in out


def test_sbv1_and_mcuboot_digests_match_the_tools() -> None:
    p256 = signing_key("v1")
    digests = json.loads(verify(p256, "--format", "json")[1])["info"]["digests"]
    public, secret, keyhash = (work_dir() / name for name in ("v1.pub.raw", "v1.digest", "v1.keyhash"))
    run_espsecure("extract-public-key", "--version", "1", "--keyfile", p256, public)
    run_espsecure("digest-private-key", "--keyfile", p256, secret)
    assert imgtool("getpubhash", "-k", p256, "-e", "raw", "-o", keyhash).rc == 0
    assert digests["esp_sbv1_public_key"] == public.read_bytes().hex()
    assert digests["esp_sbv1_reflashable_key"] == secret.read_bytes().hex()
    assert digests["mcuboot_key_hash"] == keyhash.read_bytes().hex()
    # the raw 64-byte public key espsecure writes is read as a key too
    assert json.loads(verify(public, "--format", "json")[1])["info"]["algorithm"] == "ecdsa-p256"


def test_key_against_trusted_digests() -> None:
    key = signing_key("ecdsa256")
    assert verify(key, "--key-digest", sbv2_key_digest_hex(key))[0] == 0
    code, out, _ = verify(key, "--key-digest", sbv2_key_digest_hex(signing_key("ecdsa256", "b")))
    assert code == 1 and "esp.sbv2.wrong_key" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--chip", "foo"], "unknown chip 'foo'"),
        (["--key", "NOT-A-KEY"], "not a PEM or DER key"),
        (["--key", "/nonexistent/key.pem"], "no such key file"),
        (["--enc-key", "/nonexistent/enc.pem"], "no such encryption key file"),
        (["--enc-key", "NOT-A-KEY"], "not an encryption key"),
        (["--efuse", "NOT-A-KEY"], "espefuse summary"),
        (["--key-digest", "zz"], "not hex"),
        (["--fuse-hash", "0x12"], "PublicKeyHash is 32"),
    ],
)
def test_every_bad_input_is_exit_2_even_with_a_truncated_image(tmp_path: Path, extra: list[str], message: str) -> None:
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(signed_image("ecdsa-p256")[:100])
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    args = [str(junk) if a == "NOT-A-KEY" else a for a in extra]
    code, out, err = verify(truncated, *args)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


def test_esp_app_signed_without_any_trusted_key_is_not_valid(tmp_path: Path) -> None:
    path = tmp_path / "app.bin"
    path.write_bytes(sign(build_app("esp32"), 2, signing_key("rsa3072")))
    code, out, _ = verify(path)
    assert code == 7 and "partly checked" in out and "missing: a trusted key" in out
    assert verify(path, "--key", signing_key("rsa3072"))[0] == 0
