"""Human view, in three layers, for a reader with little time.

1. The verdict, in the first dozen rows: the root cause, its confidence, the one line of the
   capture that decides it, the first fix, and any file that contradicts the log.
2. Why: the explanation, the evidence lines, the other fixes, what the files beside the log showed,
   and the other findings in a line each.
3. With ``--verbose``: the possible causes and how to tell them apart, the docs links, the context
   read from the log (chip, versions), and the other findings in full.

Every paragraph wraps to the width it is given (the terminal's, or 100 columns in a pipe) with a
hanging indent; a URL is never broken (a line holding only a URL may be longer than the width, so
that it stays one link). ``quiet`` prints one line per finding. JSON and Markdown keep everything.
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Literal, TextIO

from bootdiag.core.report import CheckedFile, Evidence, Finding, NearRule, Report
from bootdiag.core.value import Value
from bootdiag.render import wording
from bootdiag.render.controls import visible

Detail = Literal["quiet", "normal", "verbose"]

MIN_WIDTH = 40
VERDICT_EVIDENCE_ROWS = 2  # the deciding line, cut to this many rows in the verdict
EVIDENCE_ROWS = 4  # an evidence line (16 KiB at most) is cut to this many rows
_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_URL = re.compile(r"https?://\S+")
_HEADLINES = {
    "healthy": ("healthy", "green"),
    "unexplained": ("unexplained failure", "yellow"),
    "incomplete": ("incomplete", "yellow"),
    "unrecognised": ("nothing recognised", "yellow"),
}


class _Page(Value):
    """Lines being laid out: wrapped to ``width``, painted when colour is on."""

    _fields = ("width", "color", "lines")

    def __init__(self, width: int, color: bool, lines: list[str] | None = None) -> None:
        self.width, self.color = width, color
        self.lines: list[str] = [] if lines is None else lines

    def paint(self, text: str, style: str) -> str:
        if not self.color or not style or not text:
            return text
        return f"\x1b[{';'.join(_SGR[w] for w in style.split())}m{text}\x1b[0m"

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def para(self, text: str, lead: str = "", indent: str | None = None, style: str = "", lead_style: str = "",
             max_rows: int | None = None) -> None:
        """``lead`` then ``text`` wrapped, later rows indented by ``indent`` (default: under the text)."""
        hang = " " * len(lead) if indent is None else indent
        rows = wrap(text, self.width, lead, hang)
        if max_rows is not None and len(rows) > max_rows:
            rows = rows[:max_rows]
            rows[-1] = _with_ellipsis(rows[-1], self.width)
        for n, row in enumerate(rows):
            prefix = lead if n == 0 else hang
            body = row[len(prefix):]
            self.lines.append(self.paint(prefix, lead_style) + self.paint(body, style))

    def heading(self, text: str) -> None:
        self.blank()
        self.lines.append(self.paint(text, "bold"))


def wrap(text: str, width: int, lead: str = "", hang: str = "") -> list[str]:
    """``text`` in rows of at most ``width`` columns, first after ``lead``, then after ``hang``.

    Words are never split at hyphens; a word longer than a whole row (a hex dump, a long path) is
    cut, except a URL: it gets a row of its own, however long, so that it stays one link.
    """
    width = max(width, MIN_WIDTH)
    text = visible(text)  # control characters from the input are shown, never acted on
    if not _URL.search(text):
        rows = textwrap.wrap(text, width, initial_indent=lead, subsequent_indent=hang, break_on_hyphens=False)
        return rows or [lead.rstrip()]
    rows: list[str] = []
    line = lead
    for word in text.split():
        fresh = line in (lead, hang)
        if not fresh and len(line) + 1 + len(word) > width:
            rows.append(line)
            line = hang
            fresh = True
        if not _URL.search(word):  # a link in quotes, brackets or backticks stays whole too
            while len(line) + len(word) > width:  # longer than a row: cut
                room = width - len(line)
                rows.append(line + word[:room])
                line, word = hang, word[room:]
        line = line + word if fresh else f"{line} {word}"
    rows.append(line)
    return rows


def _with_ellipsis(row: str, width: int) -> str:
    return (row[: width - 1] if len(row) >= width else row) + "\u2026"


def render_terminal(report: Report, out: TextIO, color: bool = False, width: int = 100, detail: Detail = "normal") -> None:
    page = _Page(max(width, MIN_WIDTH), color)
    if detail == "quiet":
        _quiet(page, report)
    elif report.is_prediction:
        _prediction(page, report, verbose=detail == "verbose")
    elif report.status == "diagnosed":
        _diagnosed(page, report, verbose=detail == "verbose")
    else:
        _other_status(page, report, verbose=detail == "verbose")
    out.write("\n".join(page.lines).rstrip("\n") + "\n")


# ---------------------------------------------------------------------------------- one line each
def _quiet(page: _Page, report: Report) -> None:
    if not report.findings:
        label, style = _HEADLINES[report.status]
        page.lines.append(page.paint(label, f"bold {style}") + f": {visible(report.source)} ({wording.counted(report.stats.get('lines', 0), 'line')})")
    for checked in report.files:
        page.lines.extend(visible(f"contradiction: {_name(checked.path)}: {text}") for text in checked.contradicts)
    for finding in report.findings:  # one line each, unwrapped: for grep and scripts
        where = f"line {finding.deciding_line}" if finding.deciding_line else "from the files given"
        page.lines.append(f"{page.paint(finding.id, 'bold')}: {finding.title} ({finding.confidence} confidence, {where})")
    for warning in report.warnings:
        page.lines.append(f"warning: {warning}")


# ---------------------------------------------------------------------------------- diagnosed
def _diagnosed(page: _Page, report: Report, verbose: bool, label: str = "root cause") -> None:
    top, others = report.findings[0], report.findings[1:]
    _verdict(page, top, report.files, label=label)
    page.heading("why")
    page.para(top.explanation, lead="  ")
    _evidence(page, top)
    if len(top.fix) > 1:
        page.heading("other fixes")
        for step in top.fix[1:]:
            page.para(step, lead="  > ", lead_style="cyan")
    _files(page, report.files)
    _warnings(page, report.warnings)
    if others and not verbose:
        page.heading("also found")
        for finding in others:
            page.para(f"{finding.title} ({finding.id}, {finding.confidence} confidence{_where(finding)})", lead="  - ")
    if verbose:
        _layer_three(page, top)
        _context(page, report)
        for finding in others:
            page.blank()
            _verdict(page, finding, [], label="also")
            page.para(finding.explanation, lead="  ")
            _evidence(page, finding)
            if len(finding.fix) > 1:
                for step in finding.fix[1:]:
                    page.para(step, lead="  > ", lead_style="cyan")
            _layer_three(page, finding)
    else:
        _more(page, top, report)


def _verdict(page: _Page, finding: Finding, files: list[CheckedFile], label: str = "root cause") -> None:
    seen = f", seen {finding.occurrences}x" if finding.occurrences > 1 else ""
    meta = f"({finding.id}, {finding.confidence} confidence{seen})"
    lead = f"{label}: "
    if len(lead) + len(finding.title) + 2 + len(meta) <= page.width:
        page.lines.append(page.paint(lead, "bold red") + page.paint(finding.title, "bold") + "  " + page.paint(meta, "dim"))
    else:
        page.para(finding.title, lead=lead, indent="  ", style="bold", lead_style="bold red")
        page.para(meta, lead="  ", style="dim")
    deciding = _deciding(finding)
    if deciding is not None:
        page.para(deciding.text, lead=f"  line {deciding.line}: ", style="", lead_style="dim", max_rows=VERDICT_EVIDENCE_ROWS)
    elif finding.deciding_line == 0 and any(e.line == 0 for e in finding.evidence):
        page.para("decided by the files given beside the log (see files checked)", lead="  ", lead_style="dim")
    if finding.fix:
        page.para(finding.fix[0], lead="  fix: ", lead_style="cyan")
    for checked in files:
        for disagreement in checked.contradicts[:1]:
            page.para(f"{_name(checked.path)} contradicts the log: {disagreement}", lead="  ! ", lead_style="bold yellow")


def _deciding(finding: Finding) -> Evidence | None:
    return next((e for e in finding.evidence if e.line and e.line == finding.deciding_line), None)


def _where(finding: Finding) -> str:
    return f", line {finding.deciding_line}" if finding.deciding_line else ""


def _evidence(page: _Page, finding: Finding) -> None:
    if not finding.evidence:
        return
    page.heading("evidence")
    width = max(len(str(e.line)) for e in finding.evidence)
    for e in finding.evidence:
        mark = ">" if e.line and e.line == finding.deciding_line else " "
        where = str(e.line).rjust(width) if e.line else "file".rjust(width)  # line 0: an image or configuration
        page.para(e.text, lead=f"  {mark} {where}  ", lead_style="dim", max_rows=EVIDENCE_ROWS)


def _layer_three(page: _Page, finding: Finding) -> None:
    if finding.candidates:
        page.heading("possible causes (what each predicts, how to tell)")
        for n, cand in enumerate(finding.candidates, 1):
            page.para(cand.cause, lead=f"  {n}. ")
            page.para(cand.predicts, lead="     predicts: ")
            page.para(cand.check, lead="     check:    ")
    if finding.docs:
        page.heading("docs")
        for url in finding.docs:
            page.para(url, lead="  ")


def _context(page: _Page, report: Report) -> None:
    if report.context:
        page.heading("context")
        page.para(", ".join(f"{k}={v}" for k, v in sorted(report.context.items())), lead="  ")


def _more(page: _Page, top: Finding, report: Report) -> None:
    parts = []
    if top.candidates:
        parts.append(_count(len(top.candidates), "possible cause"))
    if top.docs:
        parts.append(_count(len(top.docs), "docs link"))
    if report.context:
        parts.append("the context read from the log")
    if len(report.findings) > 1:
        parts.append("the other findings in full")
    if parts:
        page.blank()
        page.para("--verbose adds " + _join(parts), indent="  ", style="dim")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---------------------------------------------------------------------------------- bootdiag check
_OUTCOMES = {"pass": ("pass", "green"), "fail": ("FAIL", "bold red"), "undecided": ("undecided", "yellow")}


def _prediction(page: _Page, report: Report, verbose: bool) -> None:
    """`bootdiag check`: will it boot, each predicted failure as explain would name it, then every check."""
    count = len(report.checks)
    undecided = sum(c.outcome == "undecided" for c in report.checks)
    says = {
        "healthy": ("will boot", "green", f"{report.source} passes every check ({count})"),
        "incomplete": ("no failure predicted", "yellow",
                       f"in {report.source}, but {undecided} of {count} checks are undecided: what would decide them is listed below"),
        "unexplained": ("a check failed", "yellow", f"in {report.source} that no rule names: see the checks below"),
    }
    if report.findings:
        _diagnosed(page, report, verbose, label="will fail")
    elif report.status in says:
        label, style, text = says[report.status]
        page.para(text, lead=f"{label}: ", indent="  ", lead_style=f"bold {style}")
        _files(page, report.files)
    page.heading("checks")
    for check in report.checks:
        word, style = _OUTCOMES[check.outcome]
        lead = f"  {check.number:>3} {word:<9} "
        page.para(f"{check.subject}: {check.detail}", lead=lead, indent=" " * len(lead), lead_style=style)
        if check.needs:
            page.para(check.needs, lead=" " * len(lead) + "would decide it: ", indent=" " * len(lead), lead_style="dim")
    if verbose:
        _context(page, report)


# ---------------------------------------------------------------------------------- every other status
def _other_status(page: _Page, report: Report, verbose: bool) -> None:
    label, style = _HEADLINES[report.status]
    lines = wording.counted(report.stats.get("lines", 0), "line")
    sessions = wording.counted(report.stats.get("sessions", 0), "boot/tool session")
    says = {
        "healthy": f"no failure found in {report.source} ({lines}, {sessions})",
        "unexplained": f"a failure in {report.source} that no rule explains ({lines})",
        "incomplete": wording.incomplete(report.source, f"{lines}; it starts at line {report.stats.get('unfinished_from', 1)}"),
        "unrecognised": f"no boot or flashing log lines recognised in {report.source} ({lines} read)",
    }[report.status]
    page.para(says, lead=f"{label}: ", indent="  ", lead_style=f"bold {style}")
    for warning in report.warnings:
        page.para(warning, lead="  ! ", lead_style="bold yellow")
    if report.stopped_at is not None:
        stop = report.stopped_at
        page.heading(f"the capture stops at a hand-over (line {stop.line})")
        page.para(stop.text, lead=f"  {stop.line}  ", lead_style="dim", max_rows=EVIDENCE_ROWS)
        if report.silence:
            page.para(report.silence, lead="  ", indent="  ")
    if report.next_checks:
        page.heading(wording.NEXT_CHECKS)
        for check in report.next_checks:
            page.para(check, lead="  - ", indent="    ")
    for checked in report.files:
        for disagreement in checked.contradicts[:1]:
            page.para(f"{_name(checked.path)} contradicts the log: {disagreement}", lead="  ! ", lead_style="bold yellow")
    if report.status == "unexplained":
        page.heading("failure lines")
        width = max((len(str(e.line)) for e in report.unexplained), default=1)
        for e in report.unexplained:
            lead = f"  {str(e.line).rjust(width)}  "
            page.para(e.text, lead=lead, lead_style="dim", max_rows=EVIDENCE_ROWS)
            if e.meaning:
                page.para(e.meaning, lead=" " * len(lead) + "means: ", lead_style="dim", style="dim")
        if report.nearest:
            page.heading(wording.NEAREST)
            for near in report.nearest:
                page.para(f"{near.title} ({near.id}; {_shown_share(near)}; bootdiag rules {near.id})", lead="  - ")
        else:
            page.blank()
            page.para(wording.NO_CAUSE_NEAR, indent="  ")
        page.blank()
        page.para("`bootdiag rules` lists what bootdiag knows; `bootdiag events FILE` shows how each line was read.", indent="  ", style="dim")
    _files(page, report.files)
    if verbose:
        _context(page, report)


def _shown_share(near: NearRule) -> str:
    """How much of a near rule's evidence the capture showed."""
    return wording.shown_share(near) or "in part"


# ---------------------------------------------------------------------------------- shared sections
def _files(page: _Page, files: Iterable[CheckedFile]) -> None:
    files = list(files)
    if not files:
        return
    page.heading("files checked")
    for checked in files:
        page.para(f"{checked.path} ({checked.kind})", lead="  ")
        for line in checked.shows:
            page.para(line, lead="    ")
        for disagreement in checked.contradicts:
            page.para(disagreement, lead="    ! contradicts the log: ", indent="      ", lead_style="bold yellow")


def _warnings(page: _Page, warnings: list[str]) -> None:
    if warnings:
        page.heading("warnings")
        for warning in warnings:
            page.para(warning, lead="  ! ", lead_style="bold yellow")


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
