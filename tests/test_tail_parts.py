"""The pieces of `bootdiag tail` on their own: baud meter, finding changes, live view, port handling."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import serial

from bootdiag.core.baud import COMMON_RATES, GarbageMeter, baud_advice
from bootdiag.core.lines import TextBlock
from bootdiag.core.changes import FindingTracker
from bootdiag.render.live import LiveView, line_level
from bootdiag.core.pipeline import Analyzer, default_rules
from bootdiag.core.serial_port import PortError, PortInfo, PortLost, choose_port, open_port, pulse_reset, read_available
from bootdiag.app.tail import PartialLine

from tail_support import SEED_003, uart_resample

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

UNSIGNED = (
    b"I (296835) esp_image: Verifying image signature...\r\n"
    b"E (296835) secure_boot_v1: image has invalid signature version field 0xf6b60c7a\r\n"
)


# ---------------------------------------------------------------- baud
# Real captures whose console did switch to another rate mid-capture: the meter is right to trip on them.
WRONG_RATE_CAPTURES = frozenset({
    "boot-esp32-26mhz-crystal-uart-wrong-rate-xtal-warning-garbled.log",  # firmware set for another crystal
})


def real_captures() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CORPUS.rglob("*.log")) if p.name not in WRONG_RATE_CAPTURES]


def _trips(data: bytes) -> bool:
    meter = GarbageMeter()
    return any([meter.feed(data[i : i + 97]) for i in range(0, len(data), 97)])


def test_real_captures_never_look_garbled() -> None:
    captures = real_captures()
    assert captures
    for data in captures:
        assert not _trips(data)


def test_a_real_capture_at_another_rate_looks_garbled() -> None:
    paths = [p for p in CORPUS.rglob("*.log") if p.name in WRONG_RATE_CAPTURES]
    assert len(paths) == len(WRONG_RATE_CAPTURES)
    assert all(_trips(p.read_bytes()) for p in paths)


@pytest.mark.parametrize("wrong_rate", [74880, 9600, 921600])
def test_log_read_at_the_wrong_rate_is_called_garbage(wrong_rate: int) -> None:
    garbage = uart_resample(SEED_003.read_bytes() if SEED_003.exists() else real_captures()[0], 115200, wrong_rate)
    meter = GarbageMeter()
    tripped = [meter.feed(garbage[i : i + 64]) for i in range(0, len(garbage), 64)]
    assert tripped.count(True) == 1, "warned once, not on every chunk"


SHORT_BOOT = (  # an ESP32 ROM that finds no bootloader: the whole boot is 5 lines
    b"ets Jun  8 2016 00:22:57\r\n\r\n"
    b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    b"configsip: 0, SPIWP:0xee\r\n"
    b"invalid header: 0xffffffff\r\n"
)


@pytest.mark.parametrize("sent_rate,read_rate", [(115200, 74880), (74880, 115200), (115200, 9600), (115200, 921600), (115200, 57600)])
def test_a_short_boot_at_the_wrong_rate_is_called_garbage_once(sent_rate: int, read_rate: int) -> None:
    garbage = uart_resample(SHORT_BOOT * 3, sent_rate, read_rate)  # a board in a short boot loop
    meter = GarbageMeter()
    tripped = [meter.feed(garbage[i : i + 16]) for i in range(0, len(garbage), 16)]
    assert tripped.count(True) == 1, (len(garbage), garbage)


def test_the_same_short_boot_at_the_right_rate_is_text() -> None:
    meter = GarbageMeter()
    assert not any(meter.feed(SHORT_BOOT[i : i + 7]) for i in range(0, len(SHORT_BOOT), 7))


def test_a_reset_glitch_is_not_garbage() -> None:
    meter = GarbageMeter()
    assert not meter.feed(b"\xff\x00\xf8\x80" + real_captures()[0][:2000])


def test_advice_names_other_rates() -> None:
    advice = baud_advice(115200)
    assert "115200" in advice and "74880" in advice and advice.count("115200") == 1
    assert all(str(rate) in advice for rate in COMMON_RATES)


# ---------------------------------------------------------------- findings as they form
def feed(analyzer: Analyzer, tracker: FindingTracker, data: bytes):
    analyzer.feed_bytes(data)
    final = {f.id for f in analyzer.builder.build().findings}
    return tracker.update(analyzer.snapshot(), final, analyzer.builder.lines)


def test_finding_appears_then_is_withdrawn_by_a_later_line_of_the_same_boot() -> None:
    analyzer, tracker = Analyzer("<t>"), FindingTracker(default_rules())
    changes = feed(analyzer, tracker, UNSIGNED)
    assert [(c.kind, c.finding.id, c.final) for c in changes] == [("new", "esp.unsigned_image", False)]
    changes = feed(analyzer, tracker, b"I (296900) secure_boot_v1: Signature verified successfully!\r\n")
    assert [(c.kind, c.finding.id) for c in changes] == [("withdrawn", "esp.unsigned_image")]
    assert "rules it out" in changes[0].detail
    assert analyzer.finish().status != "diagnosed"


def test_finding_is_refined_then_made_final_when_the_boot_ends() -> None:
    analyzer, tracker = Analyzer("<t>"), FindingTracker(default_rules())
    feed(analyzer, tracker, UNSIGNED)
    changes = feed(analyzer, tracker, b"W (297205) esp_image: image valid, signature bad\r\n")
    assert [(c.kind, c.detail) for c in changes] == [("updated", "evidence line 3 added")]
    changes = feed(analyzer, tracker, b"ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n")
    assert [(c.kind, c.final) for c in changes] == [("final", True)]
    assert feed(analyzer, tracker, b"I (30) boot: ESP-IDF v4.4 2nd stage bootloader\r\n") == []


def test_generic_finding_superseded_by_the_specific_one() -> None:
    analyzer, tracker = Analyzer("<t>"), FindingTracker(default_rules())
    changes = feed(analyzer, tracker, b"E (296835) esp_image: Secure boot signature verification failed\r\n")
    assert [c.finding.id for c in changes if c.kind == "new"] == ["esp.secure_boot_verification_failed"]
    changes = feed(analyzer, tracker, UNSIGNED)
    kinds = {(c.kind, c.finding.id): c.detail for c in changes}
    assert ("new", "esp.unsigned_image") in kinds
    assert kinds[("withdrawn", "esp.secure_boot_verification_failed")] == "superseded by esp.unsigned_image"


# ---------------------------------------------------------------- the view
def view(**kwargs) -> tuple[LiveView, io.StringIO]:
    out = io.StringIO()
    return LiveView(out, Analyzer("<t>").marks, color=False, **kwargs), out


def test_piped_partial_line_is_finished_in_place() -> None:
    live, out = view()
    live.partial(b"waiting for dow", 7)
    live.partial(b"waiting for download", 7)
    live.lines(TextBlock(7, "waiting for download", 1), [])
    assert out.getvalue() == "     7   waiting for download\n"


def test_piped_partial_line_interrupted_by_a_message_is_shown_again_whole() -> None:
    live, out = view()
    live.partial(b"load:0x3fff", 3)
    live.notice("port disconnected")
    live.lines(TextBlock(3, "load:0x3fff0030,len:7436", 1), [])
    assert out.getvalue().splitlines() == ["     3   load:0x3fff", "--- port disconnected", "     3   load:0x3fff0030,len:7436"]


def test_marks_events_rules_use_and_shows_control_bytes_harmlessly() -> None:
    live, out = view()
    analyzer = Analyzer("<t>")
    block_text = "Hello from the app\nE (296835) secure_boot_v1: image has invalid signature version field 0xf6b60c7a\n\x07\x08ok"
    events = analyzer.feed_block(TextBlock(1, block_text, 3))
    live.lines(TextBlock(1, block_text, 3), events)
    lines = out.getvalue().splitlines()
    assert lines[0] == "     1   Hello from the app"
    assert lines[1].startswith("     2 > E (296835)") and lines[1].endswith("[SecureBootV1BadVersion]")
    assert lines[2] == "     3   \ufffd\ufffdok"


def test_timestamps_prefix_each_line() -> None:
    live, out = view(timestamps=True)
    at = time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1)) + 0.25
    live.lines(TextBlock(1, "a\nb", 2), [], started=at)
    first, second = out.getvalue().splitlines()
    assert first == "03:04:05.250      1   a"
    assert second[13:] == "     2   b" and second[2] == ":"


@pytest.mark.parametrize("text,level", [
    ("E (296835) esp_image: Secure boot signature verification failed", "error"),
    ("[12:00:01.123] W (297205) esp_image: image valid, signature bad", "warning"),
    ("[INF] Starting bootloader", "info"),
    ("[00:00:00.004,000] <err> mcuboot: Image in the primary slot is not valid!", "error"),
    ("Error: Return value 8", "error"),
    ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", None),
])
def test_line_level(text: str, level: str | None) -> None:
    assert line_level(text) == level


def test_partial_line_tracks_the_unterminated_end() -> None:
    partial = PartialLine()
    partial.feed(b"abc\r\nwaiting", 1.0)
    assert (bytes(partial.raw), partial.started) == (b"waiting", 1.0)
    partial.feed(b" for download", 2.0)
    assert (bytes(partial.raw), partial.started) == (b"waiting for download", 1.0)
    partial.feed(b"\r\n", 3.0)
    assert (bytes(partial.raw), partial.started) == (b"", None)


# ---------------------------------------------------------------- the port
def test_choose_port() -> None:
    only = PortInfo("/dev/ttyUSB0", "CP2102 USB to UART")
    assert choose_port([only]) == only
    with pytest.raises(PortError, match="no serial port found"):
        choose_port([])
    with pytest.raises(PortError, match=r"2 serial ports found.*/dev/ttyUSB0 \(CP2102.*/dev/ttyACM0"):
        choose_port([only, PortInfo("/dev/ttyACM0", "USB JTAG/serial debug unit")])


class RecordingPort:
    """Stands in for a pyserial port and records every line-state change and when it happened."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object, float]] = []
        self._dtr = self._rts = True

    def _set(self, name: str, value: object) -> None:
        self.log.append((name, value, time.monotonic()))

    dtr = property(lambda self: self._dtr, lambda self, v: (setattr(self, "_dtr", v), self._set("dtr", v)))
    rts = property(lambda self: self._rts, lambda self, v: (setattr(self, "_rts", v), self._set("rts", v)))

    def open(self) -> None:
        self._set("open", None)


def test_port_opens_with_dtr_and_rts_released_first(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = RecordingPort()
    monkeypatch.setattr(serial, "serial_for_url", lambda *a, **k: recorder)
    open_port("/dev/ttyUSB0", 115200)
    assert [(n, v) for n, v, _ in recorder.log] == [("dtr", False), ("rts", False), ("open", None)]


def test_reset_pulses_en_through_rts_with_gpio0_high() -> None:
    recorder = RecordingPort()
    pulse_reset(recorder)  # type: ignore[arg-type]
    states = [(n, v) for n, v, _ in recorder.log]
    assert states[0] == ("dtr", False)
    assert ("rts", True) in states and states.index(("rts", True)) < states.index(("rts", False))
    assert all(v is False for n, v in states if n == "dtr"), "GPIO0 stays high: a normal boot, not download mode"
    held = [t for n, v, t in recorder.log if n == "rts"]
    assert held[1] - held[0] >= 0.09


def test_loop_url_reads_what_was_written() -> None:
    port = open_port("loop://", 115200)
    try:
        assert read_available(port, 0.01) == b""
        port.write(b"rst:0x1 (POWERON_RESET)\r\n")
        assert read_available(port, 0.5) == b"rst:0x1 (POWERON_RESET)\r\n"
    finally:
        port.close()


class ByteAtATimePort:
    """A transport that hands over one byte per read (as pyserial's rfc2217:// does), then fails."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)

    def read(self, size: int) -> bytes:
        if not self.data:
            raise serial.SerialException("connection failed (reader thread died)")
        return bytes([self.data.pop(0)])

    def fileno(self) -> int:
        raise NotImplementedError


def test_bytes_read_before_a_failure_are_kept_and_the_failure_reported_next() -> None:
    port = ByteAtATimePort(b"rst:0x1\r\n")
    assert read_available(port, 0.01) == b"rst:0x1\r\n"  # type: ignore[arg-type]
    with pytest.raises(PortLost, match="reader thread died"):
        read_available(port, 0.01)  # type: ignore[arg-type]
