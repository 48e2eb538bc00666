"""`bootdiag scan` over folders holding what no capture folder should: every entry gets a record,
none is waited on, and every line of output is valid JSON."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hostile_support import bootdiag, never_hangs  # noqa: F401 - a fixture

from bootdiag.app import scan as scan_module

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "corpus" / "esp-idf" / "rom-csum-err.log"


pytestmark = pytest.mark.usefixtures("never_hangs")


def records(*args: str) -> tuple[int, list[dict]]:
    ran = bootdiag("scan", *args, "--jobs", "1")
    return ran.code, [json.loads(line) for line in ran.out.splitlines()]


def test_special_files_are_records_never_waited_on(tmp_path: Path) -> None:
    shutil.copy(LOG, tmp_path / "good.log")
    os.mkfifo(tmp_path / "fifo.log")
    (tmp_path / "zero.log").symlink_to("/dev/zero")
    (tmp_path / "gone.log").symlink_to(tmp_path / "nowhere")
    code, found = records(str(tmp_path))
    by_name = {Path(r["path"]).name: r for r in found}
    assert by_name["good.log"]["status"] == "diagnosed"
    assert "FIFO" in by_name["fifo.log"]["error"] and "character device" in by_name["zero.log"]["error"]
    assert "no such file" in by_name["gone.log"]["error"]
    assert code == 1


def test_names_that_are_not_utf8_are_valid_json(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9-\xff.log")
    shutil.copy(LOG, tmp_path / name)
    code, found = records(str(tmp_path))
    assert [Path(r["path"]).name for r in found] == ["caf\\xe9-\\xff.log"]
    assert found[0]["status"] == "diagnosed"


def test_a_folder_that_cannot_be_listed_is_a_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(LOG, tmp_path / "good.log")
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(path: object = ".") -> object:  # as for a folder of another user (the tests may run as root)
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)  # type: ignore[arg-type]

    def refuse_list(path: object = ".") -> list[str]:
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_listdir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse)
    monkeypatch.setattr(os, "listdir", refuse_list)
    found = [scan_module.summarize(p) for p in scan_module.expand([str(tmp_path)])]
    errors = {r["path"]: r["error"] for r in found if r["status"] == "error"}
    assert errors == {str(locked): f"{locked}: cannot list the folder (Permission denied)"}
    assert any(r["status"] == "diagnosed" for r in found)
