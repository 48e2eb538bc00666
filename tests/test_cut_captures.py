"""A capture that stops before the boot completed does not read healthy, wherever it was cut: the
user stopped copying, the forum clipped the post, the terminal scrolled. What the capture shows
before the cut decides, and the same capture left whole keeps its answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain
from test_restart_loops import APP, MCUBOOT, TFM

REAL = Path(__file__).resolve().parent.parent / "corpus" / "real"


def _cut_after(case: str, words: str) -> str:
    """The real capture ``case`` up to and including its first line that has ``words``."""
    lines = (REAL / f"{case}.log").read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if words in line)
    return "\n".join(lines[: at + 1]) + "\n"


# nRF Connect SDK builds of MCUboot whose captures show the application right after the chainload
# line (no jump line came through), and upstream ones that print it
_CHAINLOADS = [
    "mcuboot/healthy-nrf5340-ncs252-hello-recovery-button-not-read",
    "mcuboot/healthy-nrf54lm20-max-img-sectors-256-app-starts",
    "mcuboot/healthy-stm32wba52-chainload-after-clock-fix",
    "mcuboot/healthy-nrf52840-zephyr26-hello-first-boot",
    "mcuboot/healthy-tfm-stm32h573-fwu-sample-boots",
    "mcuboot/healthy-nrf52840-ram-load-mode-boots-smp-svr",
]


# (each capture cut after each of the two lines its build prints)
_CUTS = [(case, words) for case in _CHAINLOADS for words in ("chainload address offset", "Image version: v")
         if words in (REAL / f"{case}.log").read_text(encoding="utf-8")]


@pytest.mark.parametrize(("case", "words"), _CUTS)
def test_mcuboot_cut_between_the_chainload_line_and_the_image_is_not_healthy(case: str, words: str) -> None:
    report = explain(_cut_after(case, words))
    assert report.status == "incomplete", report.status


@pytest.mark.parametrize("case", _CHAINLOADS)
def test_mcuboot_chainload_followed_by_the_image_stays_healthy(case: str) -> None:
    assert explain((REAL / f"{case}.log").read_text(encoding="utf-8")).status == "healthy"


_NCS_CHAINLOAD = (
    "*** Booting Zephyr OS build v2.6.99-ncs1  ***\n"
    "I: Starting bootloader\n"
    "I: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3\n"
    "I: Boot source: none\n"
    "I: Swap type: none\n"
    "I: Bootloader chainload address offset: 0xc000\n"
)


@pytest.mark.parametrize("after", [
    "*** Booting Zephyr OS build v2.6.99-ncs1  ***\n",  # the application's banner
    "*** Booting nRF Connect SDK v2.9.0 ***\n",
    "Booting TF-M v2.1.0\n",  # the secure image BL2 started
    "[00:00:00.002,838] <inf> app: sensor ready\n",  # the application's log
    "Starting the blinky sample on port 0\nLED on\nLED off\n",  # output nothing reads, after it
])
def test_what_follows_the_chainload_line_shows_the_hand_over(after: str) -> None:
    assert explain(_NCS_CHAINLOAD).status == "incomplete"
    assert explain(_NCS_CHAINLOAD + after).status == "healthy"


def test_a_reboot_cut_after_the_chainload_line_is_not_healthy_for_the_boot_before_it() -> None:
    # the first boot ran its application; the second one is cut before its image printed anything
    assert explain(MCUBOOT + APP).status == "healthy"
    report = explain(MCUBOOT + APP + _NCS_CHAINLOAD)
    assert report.status == "incomplete"
    assert report.stats["unfinished_from"] > MCUBOOT.count("\n") + APP.count("\n")  # the second boot
    # ... and one that printed its application's lines again is healthy
    assert explain(MCUBOOT + APP + _NCS_CHAINLOAD + APP).status == "healthy"


def test_mcuboot_own_banner_before_starting_bootloader_hands_nothing_over() -> None:
    # the Zephyr banner a Zephyr build of MCUboot prints itself, then its own lines, cut short
    cut = "*** Booting Zephyr OS build v3.5.0 ***\nI: Starting bootloader\nI: Boot source: none\n"
    assert explain(MCUBOOT + APP + cut).status == "incomplete"


def test_a_paste_cut_inside_the_jump_line_is_not_healthy() -> None:
    # a real TF-M BL2 capture that the poster cut inside "[INF] Jumping to the first image slot"
    report = explain((REAL / "mcuboot/healthy-stm32u5-tfm-bl2-option-bytes-set-first-boot.log").read_text(encoding="utf-8"))
    assert report.status == "incomplete"


def test_the_non_secure_application_banner_after_tf_m_is_the_image_running() -> None:
    boot = TFM + "*** Booting Zephyr OS build v3.7.0 ***\n"
    assert explain(boot * 2).status == "healthy"


# ---------------------------------------------------------------- the capture's last line cut short
_UP_TO_BOOT_SOURCE = _NCS_CHAINLOAD.split("I: Swap type")[0]


@pytest.mark.parametrize("cut", ["I: Swap ty", "I: Sw", "I: Bootloader chainload addre", "[00:00:00.025,817] <inf> mcub"])
def test_the_bootloader_own_line_cut_short_after_its_last_line_shows_no_hand_over(cut: str) -> None:
    # MCUboot's own envelope, cut before the message could be read: it printed that, not the image
    assert explain(_UP_TO_BOOT_SOURCE + cut + "\n").status == "incomplete"
    assert explain("```\n" + _UP_TO_BOOT_SOURCE + cut + "\n```\nWhat is wrong?\n").status == "incomplete"


@pytest.mark.parametrize("cut", ["I: Swap ty", "[00:00:00.025,817] <inf> mcub"])
def test_the_last_line_cut_short_reads_the_same_however_the_capture_was_cut_into_reads(cut: str) -> None:
    from bootdiag.core.pipeline import Analyzer

    data = (_UP_TO_BOOT_SOURCE + cut + "\n").encode()
    statuses = set()
    for at in (len(_UP_TO_BOOT_SOURCE) - 1, len(_UP_TO_BOOT_SOURCE), len(_UP_TO_BOOT_SOURCE) + 3, len(data)):
        analyzer = Analyzer("<capture>")
        analyzer.feed_bytes(data[:at])
        analyzer.feed_bytes(data[at:])
        statuses.add(analyzer.finish().status)
    assert statuses == {"incomplete"}


@pytest.mark.parametrize("after", [
    "uart:~$ ",  # the application's shell prompt
    "login:",
    "tegra-ubuntu login:",
    "Hello World! nrf52840dk",  # the image's one line
    "The AT host sample started",
])
def test_a_short_last_line_of_the_image_shows_the_hand_over(after: str) -> None:
    assert explain(_UP_TO_BOOT_SOURCE + after + "\n").status == "healthy"


@pytest.mark.parametrize("last", ["uart:~$ ", "> ", "login:", "I: Sw", "Brow"])
def test_a_boot_that_completed_before_its_cut_last_line_stays_healthy(last: str) -> None:
    assert explain(MCUBOOT + APP + last + "\n").status == "healthy"


def test_a_real_capture_cut_inside_its_last_bootloader_line_is_not_healthy() -> None:
    case = "mcuboot/healthy-nrf9160-first-flash-trailer-unset-chainload-truncated"
    cut = _cut_after(case, "Boot source: none") + "I: Swap ty\n"
    assert explain(cut).status == "incomplete"


# ---------------------------------------------------------------- a grammar's line cut short
_ESPTOOL = "esptool.py v3.1\nSerial port /dev/ttyUSB0\nConnecting........_____....._____....._____\n\nA fatal error occurred: "


@pytest.mark.parametrize("cut", [
    "Failed to connect to ESP32: Timed out waiting for packet heade",  # esptool 3.1 and older
    "Failed to connect to ESP32: No serial data rec",  # 3.2 and newer
])
def test_esptool_connect_error_cut_inside_its_reason_is_still_explained_less_surely(cut: str) -> None:
    whole = explain(_ESPTOOL + cut.rsplit(":", 1)[0] + ": " + {
        "T": "Timed out waiting for packet header", "N": "No serial data received."}[cut.rsplit(": ", 1)[1][0]] + "\n")
    assert whole.findings[0].id == "esp.not_in_download_mode" and whole.findings[0].confidence == "medium"
    assert "cut short" not in whole.findings[0].explanation
    report = explain(_ESPTOOL + cut + "\n")
    assert report.findings[0].id == "esp.not_in_download_mode"
    assert report.findings[0].confidence == "low"
    assert "Line 5 of the capture is cut short" in report.findings[0].explanation
    # the evidence is what was printed
    assert any(e.line == 5 and e.text.endswith(cut) for e in report.findings[0].evidence)


@pytest.mark.parametrize("cut", [
    "Failed to connect to ESP32: Tim",  # too little of the reason to tell which
    "Failed to connect to ESP32: Timed out waiting for packet heads",  # goes on in other words
])
def test_esptool_connect_error_that_no_known_reason_finishes_stays_unexplained(cut: str) -> None:
    report = explain(_ESPTOOL + cut + "\n")
    assert report.status == "unexplained" and not report.findings


def test_a_whole_connect_error_whose_reason_is_a_known_message_is_not_cut() -> None:
    from bootdiag.core.parse import parse_text

    [fatal] = [e for e in parse_text(_ESPTOOL + "Failed to connect to ESP32-C3: No serial data received.\n") if e.kind == "ToolFatal"]
    assert not fatal.cut_short and fatal.reason == "No serial data received."


# ---------------------------------------------------------------- a kernel oops whose header was cut off
_REGISTERS = (
    "[    7.470244] pstate: 60c00009 (nZCv daif +PAN +UAO -TCO BTYPE=--)\n"
    "[    7.470248] pc : tegra_xudc_unpowergate+0x148/0x760\n"
    "[    7.478819] lr : tegra_xudc_unpowergate+0x120/0x760\n"
    "[    7.478820] sp : ffff800011debba0\n"
    "[    7.478821] x29: ffff800011debba0 x28: 0000000000000000 \n"
    "[    7.484870] Call trace:\n"
    "[    7.484871]  tegra_xudc_unpowergate+0x148/0x760\n"
    "[    7.484880]  process_one_work+0x1c4/0x4a0\n"
)
_CODE = "[    7.484890] Code: f9400a60 b9400000 f9401a61 91002021 (b9400021) \n"
_END = "[    7.484900] ---[ end trace 5d1e5ba8e1f0a3c1 ]---\n"


def test_an_oops_whose_header_was_cut_off_is_a_failure_by_its_code_line() -> None:
    # only the oops path (__die) dumps the faulting instructions; a WARN() prints the rest alike
    report = explain(_REGISTERS + _CODE + _END)
    assert report.status == "unexplained"
    assert [e.line for e in report.unexplained] == [9]


def test_a_register_dump_without_the_code_line_is_no_failure() -> None:
    # a WARN()'s dump, or an oops cut before its code line: nothing says the kernel faulted
    assert explain(_REGISTERS + _END).status == "incomplete"
    # a real capture that is only such a dump reads as kernel lines, not as nothing recognised
    assert explain((REAL / "tegra/t234-orin-nx-kernel-panic-usb-otg-xudc-unpowergate.log").read_text(encoding="utf-8")).status == "incomplete"


@pytest.mark.parametrize("line", ["Code: 0x1f", "Exit Code: 0", "Code: f9400a60 in the listing above"])
def test_other_lines_that_name_a_code_are_not_an_oops(line: str) -> None:
    assert explain(_REGISTERS + line + "\n").status == "incomplete"


def test_warnings_of_a_healthy_boot_stay_healthy() -> None:
    # WARN() dumps with their call trace and end marker in a Jetson boot that reached its login
    assert explain((REAL / "tegra/healthy-t210-nano-2gb-cboot-uboot-pxe-sel4-guest-login-fenced.log").read_text(encoding="utf-8")).status == "healthy"
