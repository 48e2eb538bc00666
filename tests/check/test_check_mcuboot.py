"""`bootdiag check` on Zephyr sysbuild and TF-M build folders: a correct one will boot, each broken one names its failure."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import mcuboot_builds as builds
from bootdiag.app.cli import run
from bootdiag.app.environment import Environment


def check(*args: object) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", *map(str, args), "--format", "json"], Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={}))
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


@pytest.fixture
def zephyr(made_folders):
    return lambda name, **changes: made_folders(f"zephyr-{name}", lambda path: builds.write_zephyr(path, builds.zephyr(**changes)))


def test_a_correct_sysbuild_folder_will_boot(zephyr) -> None:
    code, report, err = check(zephyr("good"))
    assert (code, report["status"], err) == (0, "healthy", "")
    assert {c["check"] for c in report["checks"]} >= {"mcuboot.key", "mcuboot.header_size", "mcuboot.fits_slot", "mcuboot.sectors"}


def test_a_confirmed_image_padded_to_its_slot_still_fits(zephyr) -> None:
    folder = zephyr("confirmed", confirmed=True)
    assert (folder / "hello" / "zephyr" / "zephyr.signed.bin").stat().st_size == builds.SLOT
    code, report, _ = check(folder)
    assert (code, report["status"]) == (0, "healthy")


def test_a_correct_tfm_folder_will_boot(tmp_path: Path) -> None:
    code, report, _ = check(builds.write_tfm(tmp_path))
    assert (code, report["status"]) == (0, "healthy")
    assert [c["outcome"] for c in report["checks"] if c["check"] == "mcuboot.security_counter"] == ["pass", "pass"]


def test_tfm_without_a_security_counter_on_the_non_secure_image(tmp_path: Path) -> None:
    code, report, _ = check(builds.write_tfm(tmp_path, builds.TfmSpec(ns_security_counter=False)))
    assert code == 1 and report["findings"][0]["id"] == "mcuboot.missing_security_counter"
    assert "tfm_ns_signed.bin" in report["findings"][0]["explanation"]


def test_tfm_with_fewer_images_than_the_bootloader_boots(tmp_path: Path) -> None:
    code, report, _ = check(builds.write_tfm(tmp_path, builds.TfmSpec(images=3)))
    assert code == 1 and report["findings"][0]["id"] == "mcuboot.empty_slot"


BROKEN = builds.BROKEN


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_build_broken_one_way_gives_that_finding(zephyr, name: str) -> None:
    changes, cause, failing = BROKEN[name]
    code, report, err = check(zephyr(name, **changes))
    assert (code, err) == (1, ""), report
    assert report["findings"][0]["id"] == cause
    assert "fail" in [c["outcome"] for c in report["checks"] if c["check"] == failing]


def test_every_mcuboot_prediction_has_a_broken_build() -> None:
    from bootdiag.core.rules import load_predictions

    predicted = {p.id for p in load_predictions() if p.id.startswith("mcuboot.")}
    assert predicted == {cause for _c, cause, _k in BROKEN.values()}


def test_downgrade_prevention_is_undecided_without_the_running_version(zephyr) -> None:
    code, report, _ = check(zephyr("downgrade", bootloader=(("MCUBOOT_DOWNGRADE_PREVENTION", "y"),)))
    assert (code, report["status"]) == (6, "incomplete")
    [open_] = [c for c in report["checks"] if c["outcome"] == "undecided"]
    assert open_["check"] == "mcuboot.downgrade" and "running" in open_["needs"]


def test_an_application_built_alone_says_the_bootloader_is_elsewhere(zephyr, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(zephyr("good") / "hello", tmp_path / "app")
    code, report, _ = check(tmp_path / "app")
    assert code == 6
    assert {c["check"] for c in report["checks"] if c["outcome"] == "undecided"} == {"mcuboot.key", "mcuboot.bootloader_config"}
