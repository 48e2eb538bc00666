"""`bootdiag report`: one zip whose manifest hashes match its files."""
from __future__ import annotations

import gzip
import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest
from test_redact import IDENTIFIERS, SEED, run_bootdiag, seed_with_identifiers

from bootdiag.app.bundle import BUNDLE_SCHEMA, check_bundle, write_bundle
from bootdiag.app.run import Job

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="shared/seeds is not beside the checkout")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_bundle_files_and_manifest_hashes(tmp_path: Path) -> None:
    capture = seed_with_identifiers(tmp_path)
    out = tmp_path / "bundle.zip"
    proc = run_bootdiag("report", str(capture), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip() == f"wrote {out} (4 files): root cause esp.unsigned_image"
    files = members(out)
    assert sorted(files) == ["capture.log", "manifest.json", "report.json", "report.md"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["schema"] == BUNDLE_SCHEMA
    assert (manifest["status"], manifest["root_cause"], manifest["redacted"]) == ("diagnosed", "esp.unsigned_image", False)
    listed = {f["path"]: f for f in manifest["files"]}
    assert sorted(listed) == ["capture.log", "report.json", "report.md"]
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["size"] == len(files[name])
    assert files["capture.log"] == capture.read_bytes(), "unredacted: the capture byte for byte"
    report = json.loads(files["report.json"])
    assert report["schema"] == "bootdiag.report/1" and report["findings"][0]["id"] == "esp.unsigned_image"
    assert files["report.md"].decode().startswith("## Root cause: Image is not signed (`esp.unsigned_image`)")
    assert check_bundle(out) == []


def test_check_bundle_notices_a_changed_file(tmp_path: Path) -> None:
    bundle = write_bundle(Job(capture=seed_with_identifiers(tmp_path)), tmp_path / "b.zip")
    files = members(bundle.path)
    files["report.md"] += b"edited\n"
    files["extra.txt"] = b"x"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert sorted(check_bundle(tampered)) == ["extra.txt: not in the manifest", "report.md: sha256 or size differs from the manifest"]


def test_redacted_bundle_uses_one_set_of_placeholders(tmp_path: Path) -> None:
    capture = seed_with_identifiers(tmp_path)
    config = tmp_path / "sdkconfig"
    config.write_text('CONFIG_EXAMPLE_WIFI_SSID="lab-net"\nCONFIG_SECURE_BOOT=y\n')
    out = tmp_path / "r.zip"
    proc = run_bootdiag("report", str(capture), "--redact", "--config", str(config), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    files = members(out)
    assert "inputs/sdkconfig" in files
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for secret in (*IDENTIFIERS, "lab-net"):
        assert secret not in everything
    redacted = files["capture.log"].decode()
    original = capture.read_text()
    assert redacted.count("\n") == original.count("\n"), "line numbers in the report still point at the right lines"
    assert "MAC: <mac-1>\r\n" in redacted and "sta ip: <ip-1>" in redacted and "Serial number: <serial-2>" in redacted
    report = json.loads(files["report.json"])
    assert report["source"].endswith("home/<user>/boot.log")
    lines = redacted.splitlines()
    for ev in report["findings"][0]["evidence"]:
        assert lines[ev["line"] - 1] == ev["text"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["redacted"] is True and check_bundle(out) == []


def test_gzip_capture_is_stored_decompressed(tmp_path: Path) -> None:
    capture = seed_with_identifiers(tmp_path)
    packed = tmp_path / "boot.log.gz"
    packed.write_bytes(gzip.compress(capture.read_bytes()))
    bundle = write_bundle(Job(capture=packed), tmp_path)
    assert bundle.path == tmp_path / "bootdiag-report.zip"
    assert members(bundle.path)["capture.log"] == capture.read_bytes()
    assert bundle.report.findings[0].id == "esp.unsigned_image"


def test_image_verification_goes_into_verify_json(tmp_path: Path) -> None:
    pytest.importorskip("esptool")
    sys.path.insert(0, str(Path(__file__).parent / "verify"))
    from esp_fixtures import build_app

    image = tmp_path / "app.bin"
    image.write_bytes(build_app())
    out = tmp_path / "v.zip"
    proc = run_bootdiag("report", str(seed_with_identifiers(tmp_path)), "--image", str(image), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    files = members(out)
    checked = json.loads(files["verify.json"])
    assert len(checked) == 1 and checked[0]["path"] == str(image)
    assert set(checked[0]) >= {"format", "path", "ok", "problems", "info"}
    assert json.loads(files["report.json"])["verification"] == checked
    assert "### Image verification" in files["report.md"].decode()
    assert check_bundle(out) == []


@pytest.mark.parametrize(
    "args,message",
    [
        (["--image", "{tmp}/missing.bin"], "missing.bin: no such file"),
        (["--image", "{tmp}/junk.bin"], "not a recognised image or key"),
        (["-o", "{tmp}/no/such/dir/b.zip"], "does not exist"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "junk.bin").write_bytes(b"\x00junk" * 100)
    capture = seed_with_identifiers(tmp_path)
    proc = run_bootdiag("report", str(capture), *[a.format(tmp=tmp_path) for a in args], "-o" if "-o" not in args else "--redact",
                        *([str(tmp_path / "out.zip")] if "-o" not in args else []))
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".bootdiag-*")), "no half-written bundle"
