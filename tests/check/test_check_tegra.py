"""`bootdiag check` on Linux_for_Tegra folders: the images flash.sh prepared against the board's fuses."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import tegra_builds as l4t
from bootdiag.app.cli import run
from bootdiag.app.environment import Environment


def check(*args: object) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", *map(str, args), "--format", "json"], Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={}))
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


def test_pkc_images_for_a_board_fused_with_that_key_will_boot(tmp_path: Path) -> None:
    folder = l4t.write_l4t(tmp_path, l4t.PKC_COMMAND)
    code, report, _ = check(tmp_path, "--fuse-info", l4t.fuse_info(tmp_path, l4t.t194_hash("rsa-3072")))
    assert (code, report["status"]) == (0, "healthy")
    assert folder.name == "Linux_for_Tegra" and report["context"]["chip"] == "t194"


def test_zero_key_images_for_an_unfused_board_will_boot(tmp_path: Path) -> None:
    l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND)
    code, report, _ = check(tmp_path / "Linux_for_Tegra", "--fuse-info", l4t.fuse_info(tmp_path, l4t.ZERO_HASH, "00000000"))
    assert (code, report["status"]) == (0, "healthy")


@pytest.mark.parametrize(("command", "fused", "cause", "failing"), [
    (l4t.PKC_COMMAND, l4t.ZERO_HASH, "tegra.fuses_not_burned", "tegra.fuses_burned"),
    (l4t.ZERO_KEY_COMMAND, "rsa-3072", "tegra.key_mismatch", "tegra.fuse_state"),
    (l4t.PKC_COMMAND, "rsa-2048", "tegra.key_mismatch", "tegra.key_hash"),
])
def test_a_folder_that_does_not_fit_the_fuses_gives_that_finding(tmp_path: Path, command: str, fused: str, cause: str, failing: str) -> None:
    l4t.write_l4t(tmp_path, command)
    value = fused if fused == l4t.ZERO_HASH else l4t.t194_hash(fused)
    code, report, _ = check(tmp_path, "--fuse-info", l4t.fuse_info(tmp_path, value))
    assert code == 1 and report["findings"][0]["id"] == cause
    assert [c["outcome"] for c in report["checks"] if c["check"] == failing] == ["fail"]


def test_without_the_fuse_state_says_what_would_decide_it(tmp_path: Path) -> None:
    l4t.write_l4t(tmp_path, l4t.PKC_COMMAND)
    code, report, _ = check(tmp_path)
    assert (code, report["status"]) == (6, "incomplete")
    assert [c["check"] for c in report["checks"] if c["outcome"] == "undecided"] == ["tegra.fuse_state"]
    assert "--fuse-info" in report["checks"][-1]["needs"]


def test_a_folder_without_flashcmd_says_how_to_make_it(tmp_path: Path) -> None:
    folder = l4t.write_l4t(tmp_path, l4t.PKC_COMMAND)
    (folder / "bootloader" / "flashcmd.txt").unlink()
    code, _report, err = check(folder)
    assert code == 2 and "flash.sh" in err and err.count("\n") == 1


def test_every_tegra_prediction_has_a_folder() -> None:
    from bootdiag.core.rules import load_predictions

    assert {p.id for p in load_predictions() if p.id.startswith("tegra.")} == {
        "tegra.fuses_not_burned", "tegra.key_mismatch", "tegra.board_config_mismatch"}

