"""A whole-flash erase completes a run of its own, but when a failure follows it the write it began did not."""
from __future__ import annotations

from bootdiag.core.pipeline import explain

# esptool's erase option before a write: the erase completes, then the write stops on a failure
# that no catalogue entry knows (read with less than certainty).
HEAD = [
    "esptool.py v4.7.0",
    "Serial port /dev/ttyUSB0",
    "Connecting....",
    "Chip is ESP32-S3 (QFN56) (revision v0.1)",
    "Erasing flash (this may take a while)...",
    "Chip erase completed successfully in 1.2s",
]


def _status(lines: list[str]) -> str:
    return explain("\n".join(lines) + "\n").status


def test_a_failure_after_the_erase_is_no_healthy_flash() -> None:
    assert _status([*HEAD, "Compressed 4420676 bytes to 124923...", "Writing at 0x00000000... (12 %)",
                    "Error: Timeout"]) == "unexplained"


def test_an_erase_on_its_own_is_healthy() -> None:
    assert _status([*HEAD, "Hard resetting via RTS pin..."]) == "healthy"


def test_a_failure_before_the_erase_completed_keeps_its_reading() -> None:
    # the same lines, the unknown failure before the erase: what the erase run shows wins, as before
    before = _status([*HEAD[:5], "Error: Timeout", HEAD[5], "Hard resetting via RTS pin..."])
    assert before == "healthy"


# The write after the erase, as esptool v4 and v5 announce it (esptool/cmds.py "Flash will be erased
# from ...", v4 "Writing at 0x... (N %)").
WRITE_BEGINS = ["Flash will be erased from 0x00000000 to 0x00003fff...", "Compressed 13280 bytes to 9048...",
                "Writing at 0x00000000... (100 %)"]


def test_a_write_begun_after_the_erase_and_cut_off_is_no_completed_flash() -> None:
    assert _status([*HEAD, *WRITE_BEGINS]) == "incomplete"


def test_a_write_after_the_erase_that_completes_is_healthy() -> None:
    done = ["Wrote 13280 bytes (9048 compressed) at 0x00000000 in 0.2 seconds (effective 512.3 kbit/s)...",
            "Hash of data verified."]
    assert _status([*HEAD, *WRITE_BEGINS, *done]) == "healthy"


def test_a_write_announced_without_an_erase_before_it_changes_nothing() -> None:
    # no erase before it: a cut-off write is incomplete; a write that completed earlier in the capture
    # still shows a run that completed
    assert _status(["esptool.py v4.7.0", "Flash will be erased from 0x00010000 to 0x000d2fff...",
                    "Writing at 0x00010000... (5 %)"]) == "incomplete"
    assert _status([*HEAD, "Hard resetting via RTS pin...", "esptool.py v4.7.0",
                    "Wrote 13280 bytes (9048 compressed) at 0x00000000 in 0.2 seconds (effective 512.3 kbit/s)...",
                    *HEAD[4:], *WRITE_BEGINS]) == "healthy"


def test_a_v5_write_after_its_own_erase_option_is_no_completed_flash() -> None:
    # esptool v5 with --erase-all prints no "Flash will be erased" line: the compressed write's
    # first line (esptool/loader.py) opens it, and the progress bar that follows does not end it
    erased = ["esptool v5.3.1", "Connected to ESP32-C6 on /dev/ttyACM0:",
              "Erasing flash memory (this may take a while)...", "Flash memory erased successfully in 14.4 seconds."]
    write = ["Compressed 881152 bytes to 554285...",
             "Writing at 0x00010000 [                              ]   0.0% 0/554285 bytes... "]
    assert _status([*erased, *write]) == "incomplete"
    assert _status([*erased, *write, "Wrote 881152 bytes (554285 compressed) at 0x00010000 in 6.1 seconds.",
                    "Hash of data verified."]) == "healthy"
