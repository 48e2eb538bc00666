"""The ESRT entry of the Jetson's system firmware, in the shapes Linux commands paste it."""
from __future__ import annotations

from bootdiag.core.parse import parse_text
from bootdiag.platforms.tegra.events import TegraEsrt


def _esrt(text: str) -> list[tuple[str, str, int | None]]:
    return [(e.field, e.value, e.status) for e in parse_text(text) if isinstance(e, TegraEsrt)]


def test_head_over_the_entry_files_reads_each_value_from_the_line_after_its_name() -> None:
    text = (
        "==> /sys/firmware/efi/esrt/entries/entry0/fw_class <==\n"
        "bf0d4599-20d4-414e-b2c5-3595b1cda402\n\n"
        "==> /sys/firmware/efi/esrt/entries/entry0/fw_version <==\n"
        "2295040\n\n"
        "==> /sys/firmware/efi/esrt/entries/entry0/last_attempt_status <==\n"
        "6163\n"
    )
    assert _esrt(text) == [("fw_version", "2295040", None), ("last_attempt_status", "6163", 6163)]
    fw = next(e for e in parse_text(text) if isinstance(e, TegraEsrt) and e.field == "fw_version")
    assert fw.version == "35.5.0"


def test_cat_after_a_prompt_then_the_value() -> None:
    assert _esrt("$ sudo cat /sys/firmware/efi/esrt/entries/entry0/last_attempt_status\n6162\n") == [
        ("last_attempt_status", "6162", 6162)]


def test_a_number_that_does_not_follow_the_name_directly_is_not_the_value() -> None:
    text = "$ cat /sys/firmware/efi/esrt/entries/entry0/last_attempt_status\ncat: Permission denied\n6163\n"
    assert _esrt(text) == []
    assert _esrt("6163\n") == []


def test_grep_r_prints_path_and_value_on_one_line() -> None:
    assert _esrt("/sys/firmware/efi/esrt/entries/entry0/last_attempt_status:0\n") == [("last_attempt_status", "0", 0)]


def test_ota_check_firmware_names_the_status() -> None:
    events = _esrt("ESRT last_attempt_status         : BOOT_CHAIN_UPDATE_CANCELED\n"
                   "ESRT last_attempt_status         : SUCCESS\n")
    assert [s for _f, _v, s in events] == [6163, 0]


def test_status_zero_completes_and_others_fail() -> None:
    ok, bad = (e for e in parse_text("last_attempt_status: 0\nlast_attempt_status: 6151 IMAGE_NOT_IN_PACKAGE\n")
               if isinstance(e, TegraEsrt))
    assert ok.completes() and not ok.is_failure()
    assert bad.is_failure() and bad.status_name == "IMAGE_NOT_IN_PACKAGE"
    assert "6151" in (bad.failure_meaning() or "")


def test_the_value_opening_the_next_block_is_still_read() -> None:
    # A stream read in pieces may end a block with the line that names the file: its value then
    # opens the next block, where no trigger finds it (a bare number).
    from bootdiag.core.lines import TextBlock
    from bootdiag.core.parse import LineParser

    name = "$ cat /sys/firmware/efi/esrt/entries/entry0/last_attempt_status"
    for first, second in ((name, "6163\nnext"), (f"boot ok\n{name}", "6163"), (name, "6163\n")):
        parser = LineParser()
        count = first.count("\n") + 1
        events = parser.events([TextBlock(1, first, count), TextBlock(1 + count, second)])
        assert [(e.field, e.status, e.line) for e in events if isinstance(e, TegraEsrt)] == [
            ("last_attempt_status", 6163, count + 1)], (first, second)
