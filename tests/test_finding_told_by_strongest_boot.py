"""A cause seen in several boots of one capture is told from the boot whose evidence is strongest:
an earlier boot may leave open what a later one decides (a download boot after a USB-Serial/JTAG
reset may be the host's doing; one after a power-on is the strapping pin's)."""
from __future__ import annotations

from bootdiag.core.pipeline import explain

_BANNER = "ESP-ROM:esp32c3-api1-20210207\nBuild:Feb  7 2021\n"
_AFTER_USB_RESET = _BANNER + "rst:0x15 (USB_UART_CHIP_RESET),boot:0x5 (DOWNLOAD(USB/UART0/1))\nwaiting for download\n"
_AFTER_POWER_ON = _BANNER + "rst:0x1 (POWERON),boot:0x5 (DOWNLOAD(USB/UART0/1))\nwaiting for download\n"


def _finding(capture: str):
    report = explain(capture)
    assert [f.id for f in report.findings] == ["esp.boot_strapped_to_download"], report.status
    return report.findings[0]


def test_the_later_boot_that_decides_gives_the_confidence_and_the_evidence():
    alone = _finding(_AFTER_USB_RESET)
    assert alone.confidence == "low"  # the host's reset over USB may have asked for download mode
    finding = _finding(_AFTER_USB_RESET + _AFTER_POWER_ON)
    assert finding.confidence == "high"
    assert finding.deciding_line == 8 and 8 in [e.line for e in finding.evidence]
    assert (finding.occurrences, finding.first_line, finding.last_line) == (2, 4, 8)


def test_among_boots_of_equal_evidence_the_first_tells_the_cause():
    finding = _finding(_AFTER_POWER_ON + _AFTER_POWER_ON)
    assert finding.confidence == "high"
    assert finding.deciding_line == 4 and max(e.line for e in finding.evidence) <= 4
    assert finding.occurrences == 2


def test_a_weaker_later_boot_does_not_lower_what_an_earlier_one_showed():
    finding = _finding(_AFTER_POWER_ON + _AFTER_USB_RESET)
    assert finding.confidence == "high" and finding.deciding_line == 4
