"""Paste-ready GitHub-flavoured Markdown for a bug report, a forum post or a CI job summary.

Root cause first (heading with the rule id, explanation, fix), a table when several findings
apply, evidence lines with their line numbers in a collapsed ``<details>`` block, image
verification results, and the environment read from the log. Log text only ever appears inside
code fences, and prose is escaped, so placeholders such as ``<mac-1>`` or ``<signed image>``
show as written instead of vanishing as HTML tags.
"""
from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, TextIO

from bootdiag import platforms as registry

from bootdiag.core.report import CheckedFile, Evidence, Finding, Report
from bootdiag.render import wording
from bootdiag.render.controls import visible

if TYPE_CHECKING:  # the verifier's pydantic models: imported only when files are checked
    from bootdiag.verify.model import ImageReport

MAX_EVIDENCE_CHARS = 400  # a 16 KiB line would drown the report; the capture has the rest

# Facts every platform may give, first, in the order a maintainer asks for them; each platform's
# own facts (tool and firmware versions) follow under the labels it gives them.
GENERIC_LABELS = {"chip": "Chip", "chip_revision": "Chip revision", "board": "Board", "host": "Host", "build": "Build"}


def environment_labels() -> dict[str, str]:
    labels = dict(GENERIC_LABELS)
    for platform in registry.platforms():
        labels.update(platform.facts)
    return labels


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_MARKUP = re.compile(r"[\\*\[\]~]|(?<!\w)_|_(?!\w)")


@cache
def _command(key: tuple[str, ...]) -> re.Pattern[str]:
    """Fix steps: a command begins with one of the platforms' tools (or a generic one), at the start
    or after "label: "."""
    tools = "|".join([r"python3?\s+-m\s+\S+", "bootdiag", "openssl", *(t for p in registry.platforms() for t in p.tools), r"\./\S+", r"[\w-]+\.sh"])
    return re.compile(rf"(?<![\w./-])(?:sudo\s+)?(?:{tools})(?:\.py)?(?=\s)")
# Where a command stops and the explanation resumes.
_COMMAND_END = re.compile(r"\s{2,}|;\s|:\s|,\s|\s\(|\s(?:before|must|then|and then|to)\s")


def escape(text: str) -> str:
    """Escape Markdown and HTML in prose; code spans written as `...` stay code spans."""
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_escape_plain(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\\`")
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text)


def code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text: str) -> str:
    return escape(" ".join(text.split())).replace("|", "\\|")


def fence(lines: list[str], lang: str = "text") -> str:
    body = "\n".join(lines)
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}{lang}\n{body}\n{ticks}"


def fix_step(step: str) -> str:
    """One fix step: the command in code, the words around it as prose."""
    if "`" in step:
        return escape(step)
    m = _command(registry.registry_key()).search(step)
    if m is None:
        return escape(step)
    lead = step[: m.start()]
    if lead and not (lead.endswith(": ") or lead.strip() in ("Or", "or")):
        return escape(step)
    end = _COMMAND_END.search(step, m.end())
    stop = end.start() if end else len(step)
    command = step[m.start() : stop].rstrip(".")
    rest = step[m.start() + len(command) :]
    return escape(lead) + code(command) + (" " + escape(rest.strip()) if rest.strip() else "")


def _evidence_lines(evidence: list[Evidence]) -> list[str]:
    width = max((len(str(e.line)) for e in evidence), default=1)
    lines = []
    for e in evidence:
        where = str(e.line).rjust(width) if e.line else "file".rjust(width)  # line 0: an image or config file
        text = e.text if len(e.text) <= MAX_EVIDENCE_CHARS else e.text[:MAX_EVIDENCE_CHARS] + " [...]"
        lines.append(f"{where}  {text}")
    return lines


def _details(summary: str, body: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _lines_of(finding: Finding) -> str:
    numbers = sorted({e.line for e in finding.evidence if e.line})
    return ", ".join(str(n) for n in numbers) or "-"


def _finding_body(finding: Finding, source: str, unit: str = "line") -> list[str]:
    parts = [escape(finding.explanation)]
    if finding.fix:
        parts.append("**Fix**\n\n" + "\n".join(f"- {fix_step(step)}" for step in finding.fix))
    if finding.candidates:
        rows = "\n".join(
            f"{n}. {escape(c.cause)}  \n   Predicts: {escape(c.predicts)}  \n   Check: {escape(c.check)}"
            for n, c in enumerate(finding.candidates, 1)
        )
        parts.append("**Possible causes** (what each predicts, and how to tell them apart)\n\n" + rows)
    if finding.docs:
        parts.append("**Docs:** " + " · ".join(f"<{url}>" for url in finding.docs))
    if finding.evidence:
        count = len(finding.evidence)
        summary = f"Evidence: {count} {unit}{'s' if count != 1 else ''} from {escape(source)}"
        parts.append(_details(summary, fence(_evidence_lines(finding.evidence))))
    return parts


def _confidence(finding: Finding) -> str:
    seen = ""
    if finding.occurrences > 1:
        seen = f", seen {finding.occurrences} times (lines {finding.first_line} to {finding.last_line})"
    return f"{finding.confidence} confidence{seen}"


def _findings_table(findings: list[Finding]) -> str:
    rows = ["| # | Finding | Rule | Confidence | Lines |", "|---|---|---|---|---|"]
    for n, f in enumerate(findings, 1):
        rows.append(f"| {n} | {cell(f.title)} | {code(f.id)} | {f.confidence} | {_lines_of(f)} |")
    return "\n".join(rows)


def _files_checked(files: list[CheckedFile]) -> str:
    parts = ["### Files checked"]
    for checked in files:
        lines = [f"- {code(checked.path)} ({escape(checked.kind)})"]
        lines += [f"  - {escape(line)}" for line in checked.shows]
        lines += [f"  - **Contradicts the log:** {escape(line)}" for line in checked.contradicts]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _contradictions(files: list[CheckedFile]) -> str | None:
    said = [f"{code(checked.path)} {escape(text)}" for checked in files for text in checked.contradicts]
    if not said:
        return None
    return "> **The files given contradict the log:**\n" + "\n".join(f"> - {line}" for line in said)


def _verification(entries: list[ImageReport]) -> str:
    rows = ["| File | Format | Result |", "|---|---|---|"]
    from bootdiag.render.verify_text import verdict_text

    for entry in entries:
        problems = entry.all_problems()
        if problems:
            result = "<br>".join(f"{code(p.id)}: {cell(p.message)}" for p in problems)
        else:
            result = "<br>".join([verdict_text(entry), *(f"missing: {cell(m)}" for m in entry.all_missing())])
        rows.append(f"| {cell(entry.path)} | {cell(entry.format)} | {result} |")
    return "### Image verification\n\n" + "\n".join(rows)


def environment(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs: bootdiag itself, then the versions and chip read from the log."""
    rows = [("bootdiag", f"{report.tool.get('version', '')} (report schema {report.schema_})")]
    facts = dict(report.context)
    for key, label in environment_labels().items():
        if key in facts:
            rows.append((label, facts.pop(key)))
    rows.extend((key, value) for key, value in sorted(facts.items()))
    stats = report.stats
    if report.is_prediction:
        rows.append(("Build folder", f"{report.source}: {len(report.checks)} checks"))
    elif stats:
        rows.append(("Capture", f"{report.source}: {wording.counted(stats.get('lines', 0), 'line')}, {wording.counted(stats.get('sessions', 0), 'boot/tool session')}"))
    else:
        rows.append(("Capture", report.source))
    return rows


def _environment(report: Report) -> str:
    rows = ["| | |", "|---|---|"] + [f"| {cell(label)} | {cell(value)} |" for label, value in environment(report)]
    return "### Environment\n\n" + "\n".join(rows)


def _prediction_heading(report: Report) -> list[str]:
    """`bootdiag check`: will the device boot, and if not, the failure it will show."""
    source, count = code(report.source), len(report.checks)
    undecided = sum(c.outcome == "undecided" for c in report.checks)
    if report.status == "healthy":
        return [f"## bootdiag check: will boot\n\n{source} passes every check ({count})."]
    if report.status == "incomplete":
        return [f"## bootdiag check: no failure predicted, {undecided} checks undecided\n\n"
                f"{source} fails no check, but {undecided} of {count} need a fact the build does not hold: the table says what would decide each."]
    if report.status == "unexplained":
        return [f"## bootdiag check: a check failed\n\nA check of {source} failed, but no rule names the cause: see the table."]
    top = report.findings[0]
    parts = [f"## Will fail: {escape(top.title)} ({code(top.id)})", f"Predicted by bootdiag check from {source}, {_confidence(top)}."]
    parts.extend(_finding_body(top, report.source, "check"))
    for n, finding in enumerate(report.findings[1:], 2):
        body = "\n\n".join([f"*{_confidence(finding)}*", *_finding_body(finding, report.source, "check")])
        parts.append(_details(f"{n}. {escape(finding.title)} ({code(finding.id)})", body))
    return parts


def _checks_table(report: Report) -> str:
    rows = ["| # | Result | File | Found |", "|---|---|---|---|"]
    for c in report.checks:
        found = cell(c.detail) + (f"<br>Would decide it: {cell(c.needs)}" if c.needs else "")
        rows.append(f"| {c.number} | {'**FAIL**' if c.outcome == 'fail' else c.outcome} | {cell(c.subject)} | {found} |")
    return "### Checks\n\n" + "\n".join(rows)


def markdown_text(report: Report) -> str:
    parts: list[str] = []
    source = code(report.source)
    if report.is_prediction:
        parts.extend(_prediction_heading(report))
    elif report.status == "healthy":
        parts.append(f"## bootdiag: no boot failure found\n\nNo failure in {source}.")
    elif report.status == "unrecognised":
        parts.append(f"## bootdiag: nothing recognised\n\nNo boot or flashing log lines recognised in {source}.")
    elif report.status == "incomplete":
        start = report.stats.get("unfinished_from", 1)
        parts.append(
            f"## bootdiag: incomplete capture\n\n{wording.incomplete(source, f'it starts at line {start}')}."
        )
        if report.stopped_at is not None:
            stop = report.stopped_at
            parts.append(f"The capture stops at a hand-over, line {stop.line}: {code(stop.text)}. {escape(report.silence)}".rstrip())
        if report.next_checks:
            parts.append(f"{wording.capitalised(wording.NEXT_CHECKS)}:\n\n"
                         + "\n".join(f"- {escape(check)}" for check in report.next_checks))
    elif report.status == "unexplained":
        parts.append(
            f"## bootdiag: unexplained failure\n\nA failure was seen in {source}, but no rule explains it. "
            "The lines that show it are below; `bootdiag events` shows how each line was read."
        )
        parts.append(_details(f"Failure lines: {len(report.unexplained)}", fence(_evidence_lines(report.unexplained)), open_=True))
        meanings = [f"- line {e.line}: {escape(e.meaning)} ({code(e.message)})" for e in report.unexplained if e.meaning and e.message]
        if meanings:
            parts.append("What the message catalogue says these lines mean:\n\n" + "\n".join(meanings))
        if not report.nearest:
            parts.append(wording.NO_CAUSE_NEAR)
        else:
            parts.append(f"{wording.capitalised(wording.NEAREST)}:\n\n"
                         + "\n".join(f"- {escape(n.title)} ({'; '.join(filter(None, (code(n.id), wording.shown_share(n))))})"
                                     for n in report.nearest))
    else:
        top = report.findings[0]
        parts.append(f"## Root cause: {escape(top.title)} ({code(top.id)})")
        parts.append(f"Found by bootdiag in {source}, {_confidence(top)}.")
        contradicted = _contradictions(report.files)
        if contradicted:
            parts.append(contradicted)
        parts.extend(_finding_body(top, report.source))
        others = report.findings[1:]
        if others:
            parts.append(f"### All findings\n\n{_findings_table(report.findings)}")
            for n, finding in enumerate(others, 2):
                body = "\n\n".join([f"*{_confidence(finding)}*", *_finding_body(finding, report.source)])
                parts.append(_details(f"{n}. {escape(finding.title)} ({code(finding.id)})", body))
    if report.warnings:
        parts.append("\n".join(f"> **Warning:** {escape(warning)}" for warning in report.warnings))
    if report.files:
        parts.append(_files_checked(report.files))
    if report.verification:
        parts.append(_verification(report.verification))
    if report.is_prediction:
        parts.append(_checks_table(report))
    parts.append(_environment(report))
    return visible("\n\n".join(parts) + "\n")  # no control character from the input reaches a bug report


def render_markdown(report: Report, out: TextIO) -> None:
    out.write(markdown_text(report))
