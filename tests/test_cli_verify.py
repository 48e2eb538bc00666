"""`bootdiag verify` as a user runs it: exit 0 valid, 1 problems, 2 unusable input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bootdiag", "verify", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """An MCUboot image signed by the real imgtool, its key, and another key."""
    root = tmp_path_factory.mktemp("verify")
    keys = []
    for name in ("key.pem", "other.pem"):
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (root / name).write_bytes(pem)
        keys.append(root / name)
    (root / "app.bin").write_bytes(bytes(range(256)) * 16)
    subprocess.run(
        [sys.executable, "-m", "imgtool.main", "sign", "-k", str(keys[0]), "--align", "4", "-v", "1.0.0",
         "-H", "0x200", "--pad-header", "-S", "0x10000", str(root / "app.bin"), str(root / "signed.bin")],
        check=True, capture_output=True,
    )
    return root / "signed.bin", keys[0], keys[1]


def test_valid_image_exits_0_with_json_report(signed: tuple[Path, Path, Path]) -> None:
    image, key, _ = signed
    proc = run(str(image), "--key", str(key), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["format"] == "mcuboot" and report["ok"] is True and report["problems"] == []
    assert [t["name"] for t in report["info"]["tlvs"]] == ["SHA256", "KEYHASH", "ECDSA_SIG"]


def test_wrong_key_and_missing_record_exit_1_and_are_named(signed: tuple[Path, Path, Path]) -> None:
    image, _, other = signed
    proc = run(str(image), "--key", str(other), "--measured-boot")
    assert proc.returncode == 1
    assert "mcuboot.wrong_key" in proc.stdout and "mcuboot.missing_boot_record" in proc.stdout


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda d: d / "missing.bin", "no such file"),
        (lambda d: (d / "raw.bin").write_bytes(b"\x00" * 100) and d / "raw.bin", "not a recognised image"),
        (lambda d: (d / "empty.bin").write_bytes(b"") or d / "empty.bin", "file is empty"),
    ],
    ids=["missing", "unknown-format", "empty"],
)
def test_unusable_input_exits_2_with_one_line(tmp_path: Path, make, message: str) -> None:
    proc = run(str(make(tmp_path)))
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_file_that_is_not_a_key_exits_2(signed: tuple[Path, Path, Path]) -> None:
    image, _, _ = signed
    proc = run(str(image), "--key", str(image))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
