"""A new platform is a package and one registration: the toy platform in tests/toy_platform is
diagnosed end to end through the command line without any change to bootdiag's generic code."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bootdiag import platforms as registry
from bootdiag.app.cli import run
from bootdiag.app.environment import Environment


@pytest.fixture()
def toy_registered():
    registry.register("toy_platform")
    yield
    registry.unregister("toy_platform")


def explain(path: Path) -> tuple[int, dict]:
    out = io.StringIO()
    env = Environment(stdin=io.BytesIO(), stdout=out, stderr=io.StringIO(), variables={})
    status = run(["explain", str(path), "--format", "json"], env)
    return status, json.loads(out.getvalue())


def test_a_registered_platform_is_diagnosed_end_to_end(tmp_path: Path, toy_registered: None) -> None:
    log = tmp_path / "toy.log"
    log.write_text("toy rom v1\nTOYBOOT fail code=7\n")
    status, report = explain(log)
    assert status == 1
    assert report["findings"][0]["id"] == "toy.bad_checksum"
    assert report["findings"][0]["evidence"][0]["line"] == 2
    assert "code 7 at line 2" in report["findings"][0]["explanation"]


def test_its_failure_without_a_rule_is_unexplained_and_unregistering_forgets_it(tmp_path: Path, toy_registered: None) -> None:
    log = tmp_path / "toy.log"
    log.write_text("TOYBOOT fail code=3\n")
    status, report = explain(log)
    assert status == 3 and report["unexplained"][0]["event"] == "ToyBootFailed"
    registry.unregister("toy_platform")
    assert "toy" not in {p.name for p in registry.platforms()}
    status, report = explain(log)
    assert report["status"] != "diagnosed"
    assert [u["event"] for u in report["unexplained"]] == ["UnreadFailure"]  # only its words say it failed
