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
