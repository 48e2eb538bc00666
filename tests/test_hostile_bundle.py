"""Bundles defend themselves: check_bundle lists problems and never raises; report -o never clobbers.

check_bundle raised on 14 of 26 malicious zips, a 2 MB zip bomb cost 4.1 GB, duplicate member
names hid a tampered copy, and traversal, absolute and symlink members were reported clean.
``report -o`` replaced existing files, FIFOs and the targets of symbolic links.
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hostile_support import bootdiag, clean_error, peak_memory

from bootdiag.app.bundle import check_bundle, write_bundle
from bootdiag.app.run import Job

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "corpus" / "esp-idf" / "rom-csum-err.log"


@lru_cache(maxsize=None)
def good_bundle() -> bytes:
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"bootdiag-good-{os.getpid()}.zip"
    out.unlink(missing_ok=True)
    write_bundle(Job(capture=LOG), out)
    data = out.read_bytes()
    out.unlink()
    return data


def members() -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(good_bundle())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuilt(path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = (), skip: tuple[str, ...] = (), method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members().items():
            if name not in skip:
                archive.writestr(name, data)
        for info, data in extra:
            archive.writestr(info, data)
    return path


def test_a_bundle_as_written_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(good_bundle())
    assert check_bundle(path) == []


def test_duplicate_names_hide_no_tampered_copy(tmp_path: Path) -> None:
    with pytest.warns(UserWarning):  # zipfile itself warns of the duplicate
        path = rebuilt(tmp_path / "dup.zip", [("report.md", b"all is well\n")])
    problems = check_bundle(path)
    assert "report.md: appears 2 times (a second copy can hide a changed one)" in problems
    assert "report.md (copy 2): sha256 or size differs from the manifest" in problems


def test_paths_that_leave_the_folder_links_and_encrypted_members(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("capture-link.log")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = rebuilt(tmp_path / "evil.zip", [("../../.bashrc", b"x"), ("/etc/cron.d/x", b"x"), ("C:\\Windows\\x", b"x"), (link, b"/etc/passwd")])
    problems = "\n".join(check_bundle(path))
    assert "../../.bashrc: a path with '..'" in problems
    assert "/etc/cron.d/x: an absolute path" in problems and "C:\\Windows\\x: an absolute path" in problems
    assert "capture-link.log: a symbolic link" in problems
    data = bytearray((tmp_path / "evil.zip").read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the encryption bit of the first member
        at = data.index(signature) + flag_at
        data[at] |= 0x01
    (tmp_path / "encrypted.zip").write_bytes(data)
    assert any("encrypted" in p for p in check_bundle(tmp_path / "encrypted.zip"))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_zip_bomb_is_a_problem_not_gigabytes(tmp_path: Path, method: int) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("capture.log", b"\0" * (48 << 20))
    assert path.stat().st_size < 200_000
    problems, peak = peak_memory(lambda: check_bundle(path))
    assert any("zip bomb" in p for p in problems), problems
    assert peak < 8 << 20


def test_broken_manifests_are_problems(tmp_path: Path) -> None:
    cases = {
        "missing": [],
        "not json": [("manifest.json", b"{not json")],
        "a list": [("manifest.json", b"[]")],
        "deep": [("manifest.json", b"[" * 50_000 + b"]" * 50_000)],
        "wrong entries": [("manifest.json", json.dumps({"files": [1, {"path": 2}, {"path": "x", "sha256": "0", "size": True}]}).encode())],
        "huge number": [("manifest.json", b'{"files": [{"path": "capture.log", "sha256": "0", "size": ' + b"9" * 5000 + b"}]}")],
    }
    for name, extra in cases.items():
        problems = check_bundle(rebuilt(tmp_path / f"{name}.zip", extra, skip=("manifest.json",)))
        assert problems and all("manifest.json" in p for p in problems[:1]), (name, problems)


def test_what_is_not_a_readable_zip(tmp_path: Path) -> None:
    (tmp_path / "empty.zip").write_bytes(b"")
    (tmp_path / "text.zip").write_bytes(b"hello")
    (tmp_path / "half.zip").write_bytes(good_bundle()[: len(good_bundle()) // 2])
    os.mkfifo(tmp_path / "fifo.zip")
    for name in ("empty.zip", "text.zip", "half.zip", "fifo.zip", "missing.zip"):
        problems = check_bundle(tmp_path / name)
        assert len(problems) == 1 and name in problems[0], problems
    assert check_bundle(tmp_path) and "directory" in check_bundle(tmp_path)[0]


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), min_size=1, max_size=6),
       keep=st.none() | st.integers(0, 1 << 20))
def test_damaged_bundles_give_problems_never_an_exception(tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, int]], keep: int | None) -> None:
    data = bytearray(good_bundle())
    for position, mask in edits:
        data[position % len(data)] ^= mask
    if keep is not None:
        data = data[: keep % (len(data) + 1)]
    path = tmp_path_factory.mktemp("fuzz") / "b.zip"
    path.write_bytes(bytes(data))
    problems = check_bundle(path)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


# ------------------------------------------------------------------ report -o
def test_report_never_replaces_a_file_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "bug.zip"
    out.write_bytes(b"keep me")
    err = clean_error(bootdiag("report", str(LOG), "-o", str(out)))
    assert "already exists; pass --force" in err and out.read_bytes() == b"keep me"
    assert bootdiag("report", str(LOG), "-o", str(out), "--force").code == 1
    assert check_bundle(out) == []


def test_report_never_follows_a_link(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_bytes(b"precious")
    link = tmp_path / "bug.zip"
    link.symlink_to(target)
    assert "is a symbolic link" in clean_error(bootdiag("report", str(LOG), "-o", str(link)))
    assert bootdiag("report", str(LOG), "-o", str(link), "--force").code == 1
    assert target.read_bytes() == b"precious" and not link.is_symlink() and check_bundle(link) == []


def test_report_into_places_it_cannot_write(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.zip"
    os.mkfifo(fifo)
    for destination in (str(fifo), "/proc/bug.zip", "/proc", str(tmp_path / ("x" * 300 + ".zip")), str(tmp_path / "no" / "b.zip")):
        clean_error(bootdiag("report", str(LOG), "-o", destination))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bootdiag-")], "no half-written bundle is left"
    for device in ("/dev/null", str(fifo)):  # --force replaces a file or a link, never a device or a FIFO
        assert "the bundle needs a file name" in clean_error(bootdiag("report", str(LOG), "-o", device, "--force"))
    assert Path("/dev/null").is_char_device()
