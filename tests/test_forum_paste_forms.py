"""Forms forum posts give a log: line breaks kept as HTML ("<br/>", phpBB's stored text), a message
quoted in angle brackets with its full stop left off, and a message that a reset's noise ran into
before the next boot's first line."""
from __future__ import annotations

import re

import pytest

from bootdiag.core.messages import catalogue, example, format_pattern
from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(type(e).__name__, e.text) for e in parse_text(text)]


@pytest.mark.parametrize("br", ["<br/>", "<br />", "<br>", "<BR>", "&lt;br/&gt;"])
def test_an_html_line_break_ends_a_line(br: str) -> None:
    plain = ("E (367) psram: PSRAM ID read error: 0xffffffff\n"
             "E cpu_start: Failed to init external RAM!\n")
    pasted = plain.replace("\n", br + "\n")
    assert _kinds(pasted) == _kinds(plain)
    assert [f.id for f in explain(pasted).findings] == [f.id for f in explain(plain).findings]


def test_lines_joined_by_html_line_breaks_are_lines_of_their_own() -> None:
    joined = "I (31) boot: ESP-IDF v4.4 2nd stage bootloader<br />I (31) boot: compile time 14:43:01<br/>\n"
    assert [text for _, text in _kinds(joined)] == [
        "I (31) boot: ESP-IDF v4.4 2nd stage bootloader", "I (31) boot: compile time 14:43:01"]


def test_a_line_break_tag_is_no_words_of_the_message() -> None:
    assert all("<br" not in e.text for e in parse_text("psram: PSRAM ID read error: 0xffffffff<br/>\n"))


def test_a_message_quoted_in_angle_brackets_without_its_full_stop_is_found() -> None:
    said = ("I am getting this error on my board. The error message mentions <E (246) spi_flash: Detected "
            "size(4096k) smaller than the size in the binary image header(8192k). Probe failed >\n")
    logged = "E (246) spi_flash: Detected size(4096k) smaller than the size in the binary image header(8192k). Probe failed.\n"
    assert [f.id for f in explain(said).findings] == [f.id for f in explain(logged).findings] == [
        "esp.flash_size_or_partition_mismatch"]


@pytest.mark.parametrize(("text", "found"), [
    ("Probe failed.", True),
    ("Probe failed", True),  # the quote ends with the message
    ("Probe failed >", True),
    ('Probe failed"', True),
    ("Probe failed.>", True),
    ("Probe failed again", False),  # a longer message is not this one
    ("Probe failed, retrying", False),
])
def test_a_formats_closing_full_stop_may_be_left_off_only_where_the_message_ends(text: str, found: bool) -> None:
    source, _ = format_pattern("Detected size(%dk) smaller than the size in the binary image header(%dk). Probe failed.")
    line = "Detected size(4096k) smaller than the size in the binary image header(8192k). " + text
    assert (re.search(source, line) is not None) is found


def test_an_ellipsis_stays_part_of_the_message() -> None:
    source, _ = format_pattern("Connecting...")
    assert re.search(source, "Connecting...") is not None
    assert re.search(source, "Connecting") is None


def test_a_short_message_keeps_its_full_stop() -> None:
    # the last words of a sentence ("... Secure Boot Verification failed") are not esptool's message
    source, _ = format_pattern("Verification failed.")
    assert re.search(source, "Secure Boot Verification failed") is None


def test_every_long_catalogue_message_ending_in_words_and_a_full_stop_matches_without_it() -> None:
    checked = 0
    for known in catalogue().entries:
        fmt = known.format.rstrip()
        # words before the full stop ("... Probe failed."), not a value ("... revocation %d.") or an ellipsis
        if re.search(r"[A-Za-z)]\.$", fmt) is None or re.search(r"%[-+ #0-9.]*[a-zA-Z]{1,3}\.$", fmt):
            continue
        if known.literal < 32:
            continue
        text = example(known.format).rstrip()
        assert known.pattern.search(text) is not None, known.id
        assert known.pattern.search(text[:-1]) is not None, known.id
        checked += 1
    assert checked > 100


def test_a_message_a_reset_cut_short_with_noise_is_read_as_that_message() -> None:
    # The ROM's message, then the bytes of the reset, then the next boot's banner on the same line.
    glued = ("load:0x40080400,len:3776\n"
             "Secure boot check fail\ufffdets Jul 29 2019 12:21:46\n")
    plain = ("load:0x40080400,len:3776\n"
             "Secure boot check fail\nets Jul 29 2019 12:21:46\n")
    assert [type(e).__name__ for e in parse_text(glued)] == [type(e).__name__ for e in parse_text(plain)]
    assert [f.id for f in explain(glued).findings] == [f.id for f in explain(plain).findings] != []


@pytest.mark.parametrize("noise", ["\ufffd", "\ufffd\ufffd ", "\u2592", "\x00\x7f"])
def test_noise_after_a_message_at_a_lines_end_goes(noise: str) -> None:
    text = "Secure boot check fail" + noise + "\n"
    assert [f.id for f in explain(text).findings] == ["esp.secure_boot_verification_failed"]
    assert [e.text for e in parse_text(text)] == ["Secure boot check fail"]


def test_a_posts_stored_markup_around_the_log_goes() -> None:
    # phpBB keeps a post as "<r>...<br/>...</r>"; an HTML view wraps a block in "<pre ...>" and lines in "<p>"
    stored = ("<r>rst:0x10 (RTCWDT_RTC_RESET),boot:0x33 (SPI_FAST_FLASH_BOOT)<br/>\nflash read err, 1000<br/>\n"
              "ets_main.c 371<br/>\nets Jun  8 2016 00:22:57</r>\n")
    plain = ("rst:0x10 (RTCWDT_RTC_RESET),boot:0x33 (SPI_FAST_FLASH_BOOT)\nflash read err, 1000\n"
             "ets_main.c 371\nets Jun  8 2016 00:22:57\n")
    assert _kinds(stored) == _kinds(plain)
    html = ('<p>I: Starting bootloader</p>\n<pre class="ui-code" data-mode="text">E: Image in the primary slot is not valid!\n'
            "E: Unable to find bootable image</pre>\n")
    assert [text for _, text in _kinds(html)] == [
        "I: Starting bootloader", "E: Image in the primary slot is not valid!", "E: Unable to find bootable image"]


@pytest.mark.parametrize("line", [
    "[00:00:00.048,706] <err> mcuboot: Unable to find bootable image",  # Zephyr's level tags stay the line's
    "<inf> mcuboot: Starting swap using move algorithm.",
])
def test_a_log_levels_angle_brackets_are_no_markup(line: str) -> None:
    assert [text for _, text in _kinds(line + "\n")] == [line]


_PLAIN_WEST = (
    "-- runners.nrfjprog: Flashing file: build/zephyr/zephyr.hex\n"
    "ERROR: JLinkARM DLL reported an error. Try again. If error condition\n"
    "FATAL ERROR: command exited with status 33: nrfjprog --program build/zephyr/zephyr.hex -f NRF52\n"
)


@pytest.mark.parametrize(("open_tag", "close_tag"), [
    ('<font color="#EF2929">', "</font>"),  # a terminal's "copy as HTML", a forum's rich text
    ("<span style='color: rgb(239, 41, 41)'>", "</span>"),
    ("<b>", "</b>"),
    ("<STRONG>", "</STRONG>"),
    ('<span class="hljs-string">', "</span>"),
])
def test_inline_html_around_a_pasted_line_is_no_part_of_it(open_tag: str, close_tag: str) -> None:
    pasted = "<pre>" + "".join(open_tag + line + close_tag + "\n" for line in _PLAIN_WEST.splitlines()) + "</pre>\n"
    assert [text for _, text in _kinds(pasted)] == [text for _, text in _kinds(_PLAIN_WEST)]
    assert all("<" not in e.text and ">" not in e.text for e in parse_text(pasted))


def test_a_colour_span_over_several_lines_leaves_none_of_its_tags() -> None:
    pasted = '<font color="#EF2929">' + _PLAIN_WEST.rstrip("\n") + "</font>\n"
    assert [text for _, text in _kinds(pasted)] == [text for _, text in _kinds(_PLAIN_WEST)]


@pytest.mark.parametrize("line", [
    "[00:00:00.004,000] <inf> mcuboot: Starting bootloader",  # Zephyr's log levels: no markup
    "[00:00:00.011,000] <wrn> mcuboot: Cannot upgrade: not a compatible amount of sectors",
    "[00:00:00.011,000] <err> mcuboot: Image in the primary slot is not valid!",
    "[00:00:00.011,000] <dbg> mcuboot: boot_swap_type_multi: Swap type: none",
    "usage: mcumgr image upload <file> -e <b> and <i>",  # a bare tag with no closing one: a usage's words
    "uart:~$ mcuboot -> <s> slot0",
    "<i> E (12) boot: x",
])
def test_what_merely_looks_like_a_tag_stays(line: str) -> None:
    from bootdiag.core.lines import lines_from_text

    assert [ln.text for ln in lines_from_text(line + "\n")] == [line]


def test_a_zephyr_line_in_a_colour_span_keeps_its_level() -> None:
    from bootdiag.core.lines import lines_from_text

    pasted = '<span style="color:#C4A000">[00:00:00.011,000] <wrn> mcuboot: Cannot upgrade: not a compatible amount of sectors</span>\n'
    assert [ln.text for ln in lines_from_text(pasted)] == [
        "[00:00:00.011,000] <wrn> mcuboot: Cannot upgrade: not a compatible amount of sectors"]


def test_markup_is_taken_off_however_the_capture_was_cut_into_reads() -> None:
    from bootdiag.core.lines import iter_lines

    data = ('<font color="#8AE234">-- west flash: using runner nrfjprog</font>\n' * 3
            + "<b>ERROR: JLinkARM DLL reported an error.</b> <err> x\n").encode()
    whole = [ln.text for ln in iter_lines([data])]
    assert whole[-1] == "ERROR: JLinkARM DLL reported an error. <err> x"
    for cut in range(1, len(data)):
        assert [ln.text for ln in iter_lines([data[:cut], data[cut:]])] == whole
