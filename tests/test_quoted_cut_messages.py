"""A sentence that quotes a failure by its first words only (the quote closes before the message
does) is read as that message, quoted: what someone says happened, never a log line."""
from __future__ import annotations

from pathlib import Path

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain

CORPUS = Path(__file__).parent.parent / "corpus"


def read(line: str) -> list:
    return LineParser()._parse_new(line, 3)


def test_a_quoted_first_clause_of_a_failure_is_that_failure_quoted():
    [event] = read('Flashing the board again, the upload stops with "Wrong boot mode detected (0x13)".')
    assert event.kind == "ToolFatal" and event.quoted
    assert event.message == "Wrong boot mode detected (0x13)! The chip needs to be in download mode."
    assert event.is_weak()


def test_curly_quotes_close_a_quoted_first_clause_too():
    [event] = read("Every upload ends with \u201cWrong boot mode detected (0x3)\u201d here.")
    assert event.kind == "ToolFatal" and event.quoted


def test_quoted_words_that_go_on_otherwise_are_no_message():
    assert read('The forum says "Wrong boot mode detected, try again later" about it.') == []


def test_too_few_quoted_words_are_no_message():
    assert read('The upload said "Wrong boot" and stopped there.') == []


def test_a_quote_left_open_is_not_read_as_a_cut_message():
    assert all(e.kind != "ToolFatal" for e in read('The upload said "Wrong boot mode detected (0x13) and then'))


def test_a_healthy_capture_whose_prose_quotes_a_first_clause_stays_healthy():
    log = (CORPUS / "esp-idf" / "healthy-forum-post-quotes-esptool-errors.log").read_text()
    text = 'Before the fix every upload stopped with "Wrong boot mode detected (0x13)".\n' + log
    assert explain(text).status == "healthy"
