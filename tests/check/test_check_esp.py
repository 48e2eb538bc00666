"""`bootdiag check` on ESP-IDF build folders: a correct one will boot, each broken one names its failure."""
from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest

import esp_builds as builds
import esp_fixtures as esp
from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

VENV_BIN = str(Path(sys.executable).parent)


@pytest.fixture(autouse=True)
def real_esptool_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """idf.py runs the esptool on the PATH: here, the real one installed with the test extra."""
    monkeypatch.setenv("PATH", VENV_BIN + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def folder(made_folders):
    return lambda name, **changes: made_folders(f"esp-{name}", lambda path: builds.write_build(path, builds.spec(**changes)))


def check(*args: str) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", *map(str, args), "--format", "json"], Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={}))
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


def outcome(report: dict, check_id: str) -> list[str]:
    return [c["outcome"] for c in report["checks"] if c["check"] == check_id]


def summary(name: str) -> str:
    return str(esp.efuse_summaries()[name])


# ------------------------------------------------------------------------------------------ will boot
def test_a_correct_signed_build_will_boot_on_a_device_that_trusts_its_key(folder) -> None:
    code, report, err = check(folder("good"), "--efuse", summary("s3_text"))
    assert (code, report["status"], err) == (0, "healthy", "")
    assert report["findings"] == [] and all(c["outcome"] == "pass" for c in report["checks"])
    assert {c["check"] for c in report["checks"]} >= {"esp.partitions_fit_flash", "esp.key_trusted", "esp.header_kept", "esp.flash_encryption"}


def test_will_boot_is_said_in_words(folder) -> None:
    out = io.StringIO()
    code = run(["check", str(folder("good")), "--efuse", summary("s3_text")], Environment(stdout=out, stderr=io.StringIO(), variables={}))
    assert code == 0 and out.getvalue().startswith("will boot:")
    md = io.StringIO()
    run(["check", str(folder("good")), "--efuse", summary("s3_text"), "-f", "markdown"], Environment(stdout=md, stderr=io.StringIO(), variables={}))
    assert md.getvalue().startswith("## bootdiag check: will boot")


def test_an_unsigned_build_without_secure_boot_will_boot_with_nothing_more_to_know(folder) -> None:
    code, report, _ = check(folder("plain", secure_boot=False, bootloader_key=None, app_key=None))
    assert (code, report["status"]) == (0, "healthy")


def test_a_secure_boot_v1_build_whose_app_the_bootloader_key_verifies_will_boot(folder) -> None:
    code, report, _ = check(folder("v1-good", chip="esp32", version=1, bootloader_key=None, app_key="a"))
    assert (code, report["status"]) == (0, "healthy")
    assert [c["outcome"] for c in report["checks"] if c["check"] == "esp.key_trusted"] == ["pass"]


def test_without_the_device_the_key_check_says_what_would_decide_it(folder) -> None:
    code, report, _ = check(folder("good"))
    assert (code, report["status"]) == (6, "incomplete")
    open_ = [c for c in report["checks"] if c["outcome"] == "undecided"]
    assert open_ and all("--efuse" in c["needs"] for c in open_)


# ------------------------------------------------------------------------------------------ broken builds
BROKEN = builds.BROKEN


def arguments(extra: tuple[str, ...]) -> list[str]:
    if not extra:
        return []
    name = extra[1]
    return [extra[0], str(builds.efuse_flash_encrypted()) if name == "fe" else summary(name)]


def broken(folder, name: str) -> tuple[Path, list[str]]:
    changes, extra, _cause, _check = BROKEN[name]
    return folder(name, **changes), arguments(extra)


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_build_broken_one_way_gives_that_finding(folder, name: str) -> None:
    path, extra = broken(folder, name)
    code, report, err = check(path, *extra)
    _changes, _extra, cause, failing = BROKEN[name]
    assert (code, err) == (1, ""), report
    assert report["status"] == "diagnosed" and report["findings"][0]["id"] == cause
    assert "fail" in outcome(report, failing)
    evidence = report["findings"][0]["evidence"][0]
    assert evidence["event"] == "BuildCheck" and report["checks"][evidence["line"] - 1]["outcome"] == "fail"


def test_every_esp_prediction_has_a_broken_build() -> None:
    from bootdiag.core.rules import load_predictions

    predicted = {p.id for p in load_predictions() if p.platform == "esp-idf"}
    assert predicted == {cause for _c, _e, cause, _k in BROKEN.values()}


# ------------------------------------------------------------------------------------------ esptool versions
def fake_esptool(folder: Path, version: str) -> str:
    """A stand-in for an older esptool on the PATH: it only answers `esptool.py version` as that release does."""
    folder.mkdir(exist_ok=True)
    script = folder / "esptool.py"
    script.write_text(f"#!/bin/sh\necho 'esptool.py v{version}'\necho '{version}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(folder)


@pytest.mark.parametrize(("version", "rewritten"), [("3.3.1", True), ("4.5.1", False)])
def test_header_rewrite_follows_the_esptool_version_on_the_path(folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, rewritten: bool) -> None:
    monkeypatch.setenv("PATH", fake_esptool(tmp_path / "bin", version))
    _code, report, _ = check(folder("header-rewritten-by-esptool", header_flash_size="2MB"))
    assert outcome(report, "esp.header_kept") == (["fail"] if rewritten else ["pass"])


def test_no_esptool_on_the_path_leaves_the_rewrite_undecided(folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    _code, report, _ = check(folder("header-rewritten-by-esptool", header_flash_size="2MB"))
    [kept] = [c for c in report["checks"] if c["check"] == "esp.header_kept"]
    assert kept["outcome"] == "undecided" and "esptool on the PATH" in kept["needs"]


# ------------------------------------------------------------------------------------------ input errors
def test_a_corrupt_partition_table_is_a_failed_check_no_rule_names(folder, tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(folder("good"), tmp_path / "build"))
    (copy / "partition_table" / "partition-table.bin").write_bytes(b"\x00" * 64)
    code, report, _ = check(copy, "--efuse", summary("s3_text"))
    assert (code, report["status"]) == (3, "unexplained")
    assert outcome(report, "esp.partition_table") == ["fail"]


@pytest.mark.parametrize("make", [lambda p: p / "missing", lambda p: p])
def test_not_a_build_folder_is_one_line_and_exit_2(tmp_path: Path, make) -> None:
    code, report, err = check(make(tmp_path))
    assert code == 2 and report == {} and err.count("\n") == 1 and err.startswith("bootdiag: ")


def test_the_project_folder_is_read_through_its_build_subfolder(folder, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(folder("good"), tmp_path / "build")
    code, report, _ = check(tmp_path, "--efuse", summary("s3_text"))
    assert (code, report["status"]) == (0, "healthy")


# ------------------------------------------------------------------------------------------ --port
def test_port_reads_the_device_with_espefuse_and_writes_nothing(folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """No board here: esptool's own virtual eFuse controller stands in for the serial connection, holding
    the eFuses of a device that trusts key 'a'; the run must leave them as they were."""
    from bootdiag.platforms.esp import device_port

    esp.efuse_summaries()  # burns key 'a' into the virtual ESP32-S3 behind s3.efuse
    fuses = esp.work_dir() / "s3.efuse"
    before = fuses.read_bytes()
    monkeypatch.setattr(device_port, "connection_args", lambda port: ["--virt", "--path-efuse-file", str(fuses)])
    code, report, err = check(folder("good"), "--port", "/dev/ttyUSB0")
    assert (code, report["status"], err) == (0, "healthy", "")
    assert "eFuse BLOCK_KEY1" in " ".join(c["detail"] for c in report["checks"])
    assert fuses.read_bytes() == before


def test_a_port_with_no_esp_behind_it_is_one_line_and_exit_2(folder) -> None:
    code, report, err = check(folder("good"), "--port", "loop://")
    assert code == 2 and report == {} and err.startswith("bootdiag: cannot read the eFuses through loop://") and err.count("\n") == 1


@pytest.mark.parametrize(("key", "code", "cause"), [("a", 0, None), ("b", 1, "esp.wrong_signing_key")])
def test_key_names_the_key_the_device_trusts(folder, key: str, code: int, cause: str | None) -> None:
    public = esp.public_key_file(esp.signing_key("ecdsa256", key))
    got, report, _ = check(folder("good"), "--key", public)
    assert got == code and (report["findings"][0]["id"] if report["findings"] else None) == cause


def test_a_predicted_failure_in_markdown_names_the_cause_and_the_failed_check(folder) -> None:
    path, extra = broken(folder, "app-key-not-in-bootloader")
    md = io.StringIO()
    code = run(["check", str(path), *extra, "-f", "markdown"], Environment(stdout=md, stderr=io.StringIO(), variables={}))
    text = md.getvalue()
    assert code == 1 and text.startswith("## Will fail: Bootloader and app signed with different keys")
    assert "Evidence: 1 check from" in text and "| **FAIL** | demo.bin |" in text
