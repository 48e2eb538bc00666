"""The seed reports, pasted whole as a user would, through the installed command."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
EXPECTED_TOP = {
    "001_843b511c4f8dbc39.txt": "esp.image_modified_after_signing",
    "003_acb57648b5c0ae1c.txt": "esp.unsigned_image",
    "004_d33c4dd81b0f5861.txt": "esp.not_in_download_mode",
}


def run_explain(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bootdiag", "explain", "--format", "json", *args],
        stdin=path.open("rb"), capture_output=True, text=True, timeout=60,
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the checkout")
@pytest.mark.parametrize("seed,rule_id", sorted(EXPECTED_TOP.items()))
def test_seed_gives_its_root_cause(seed: str, rule_id: str) -> None:
    proc = run_explain(SEEDS / seed)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert report["status"] == "diagnosed"
    assert report["findings"][0]["id"] == rule_id
    assert report["findings"][0]["evidence"], "a finding always shows its evidence lines"
    assert report["findings"][0]["fix"]


SEED_002 = SEEDS / "002_a7627d92c4bf82be.txt"


@pytest.mark.skipif(not SEED_002.is_file(), reason="shared/seeds is not beside the checkout")
def test_seed_002_article_reads_as_its_story() -> None:
    # An article with no raw log: its "not valid" path must not be pinned on the boot record alone.
    proc = run_explain(SEED_002)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    assert report["status"] == "diagnosed"
    ids = [f["id"] for f in report["findings"]]
    assert ids[0] == "mcuboot.reported_not_valid"
    assert "mcuboot.missing_boot_record" not in ids
    top = report["findings"][0]
    causes = [c["cause"] for c in top["candidates"]]
    assert len(causes) >= 6
    assert any("security counter" in c for c in causes)
    assert sum("boot record" in c for c in causes) == 1, "the boot record is one candidate among several"
    assert "no -s/--security-counter" in top["explanation"]
    assert "Missing argument 'OUTFILE'" in top["explanation"], "the quoted --boot-record has no sw_type"
    assert {e["line"] for e in top["evidence"]} >= {2, 26}
    assert any("-s <" in fix and "--boot-record SPE" in fix for fix in top["fix"])
    assert any("bootdiag verify" in fix and "--security-counter" in fix for fix in top["fix"])
