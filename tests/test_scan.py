"""bootdiag scan: many captures in parallel, one record each, unreadable files reported not fatal."""
from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import bootdiag
from bootdiag.app.scan import cause_counts, exit_status, expand, scan, summarize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("captures")
    (root / "line1").mkdir()
    (root / "line2" / "nested").mkdir(parents=True)
    for i in range(5):
        (root / "line1" / f"healthy{i}.log").write_bytes(capture_bytes("healthy", 200, seed=i))
    for i in range(4):
        (root / "line2" / f"loop{i}.log").write_bytes(capture_bytes("bootloop", 120, seed=i))
    (root / "line2" / "nested" / "loop.log.gz").write_bytes(gzip.compress(capture_bytes("bootloop", 90)))
    (root / "line2" / "broken.log.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all" * 4)
    (root / "line2" / ".hidden.log").write_bytes(b"never read")
    return root


def test_directories_are_walked_in_order_and_hidden_files_skipped(captures: Path) -> None:
    files = list(expand([str(captures)]))
    assert len(files) == 11
    assert files == sorted(files, key=lambda p: (os.path.dirname(p), p))
    assert not any(".hidden" in f for f in files)


def test_globs_expand_recursively(captures: Path) -> None:
    assert len(list(expand([str(captures / "**" / "*.gz")]))) == 2


def test_parallel_scan_equals_in_process_scan(captures: Path) -> None:
    serial = list(scan([str(captures)], jobs=1))
    parallel = list(scan([str(captures)], jobs=2))
    assert serial == parallel
    by_name = {Path(r["path"]).name: r for r in serial}
    assert by_name["healthy0.log"]["status"] == "healthy"
    loop = by_name["loop0.log"]
    assert loop["top"] == "esp.image_modified_after_signing"
    assert loop["findings"][0]["occurrences"] == 3  # 120 lines: three whole failing boots, one finding
    assert by_name["loop.log.gz"]["status"] == "diagnosed"
    assert by_name["broken.log.gz"]["status"] == "error" and by_name["broken.log.gz"]["error"]


def test_missing_path_is_one_error_record() -> None:
    record = summarize("/nonexistent/capture.log")
    assert record["status"] == "error" and "no such file" in record["error"]


def test_cause_table_counts_captures_by_root_cause(captures: Path) -> None:
    records = list(scan([str(captures)], jobs=1))
    rows = {cause: n for cause, n, _ in cause_counts(records)}
    assert rows == {"(healthy)": 5, "esp.image_modified_after_signing": 5, "(unreadable)": 1}
    assert exit_status(records) == 1
    assert exit_status([r for r in records if r["status"] == "healthy"]) == 0


def test_scan_command_prints_json_lines_then_the_table(captures: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bootdiag", "scan", str(captures), "--jobs", "2"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 11
    assert "esp.image_modified_after_signing" in proc.stderr and "(unreadable)" in proc.stderr
    table = subprocess.run(
        [sys.executable, "-m", "bootdiag", "scan", str(captures / "line1"), "--format", "table"], capture_output=True, text=True, timeout=120
    )
    assert table.returncode == 0 and "(healthy)" in table.stdout and "5" in table.stdout


def test_scan_of_nothing_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "scan", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("bootdiag: ") and "Traceback" not in proc.stderr


def test_explain_is_a_picklable_pure_function_of_text() -> None:
    text = capture_bytes("bootloop", 60).decode()
    explain = pickle.loads(pickle.dumps(bootdiag.explain))
    first, second = explain(text), explain(text)
    assert first == second == pickle.loads(pickle.dumps(first))
    assert first.findings[0].id == "esp.image_modified_after_signing"


def test_cause_table_fits_the_width_and_never_cuts_a_rule_id() -> None:
    import io

    from bootdiag.render.scan import render_cause_table

    rows = [("esp.flash_size_or_partition_mismatch", 4, "corpus/esp-idf/esptool-image-will-not-fit-flash.log"),
            ("(incomplete)", 1, "x.log")]
    out = io.StringIO()
    render_cause_table(rows, out, width=80)
    lines = out.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert any("esp.flash_size_or_partition_mismatch" in line for line in lines)


def test_a_capture_with_no_root_cause_is_counted_by_its_status() -> None:
    from bootdiag.app.scan import cause_counts

    assert cause_counts([{"path": "a.log", "status": "unrecognised", "top": None}]) == [("(unrecognised)", 1, "a.log")]


def test_firmware_images_beside_the_logs_are_skipped_not_read(tmp_path: Path) -> None:
    from esp_fixtures import build_bootloader
    from mcuboot_fixtures import signed_image

    (tmp_path / "bootloader.bin").write_bytes(build_bootloader())  # written by esptool
    (tmp_path / "app.signed.bin").write_bytes(signed_image(None))  # written by imgtool
    (tmp_path / "boot.log").write_bytes(capture_bytes("bootloop", 60))
    records = {Path(r["path"]).name: r for r in scan([str(tmp_path)], jobs=1)}
    assert records["bootloader.bin"]["status"] == "skipped"
    assert records["bootloader.bin"]["skipped"] == "binary file (ESP firmware image)"
    assert records["app.signed.bin"]["skipped"] == "binary file (MCUboot image)"
    assert records["boot.log"]["status"] == "diagnosed" and records["boot.log"]["skipped"] is None
    assert ("(skipped: not a capture)", 2, str(tmp_path / "app.signed.bin")) in cause_counts(records.values())
    assert exit_status(records.values()) == 1


def test_a_capture_at_a_wrong_baud_rate_is_garbled_text_not_a_binary_file(tmp_path: Path) -> None:
    # What a terminal at the wrong speed saves: bytes of every value, a NUL now and then.
    import random

    rng = random.Random(7)
    garble = bytes(rng.choice([0, *range(0x20, 0x100)]) for _ in range(6000))
    (tmp_path / "wrong-baud.log").write_bytes(garble)
    [record] = scan([str(tmp_path)], jobs=1)
    assert record["status"] == "unrecognised"
