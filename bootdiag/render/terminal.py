"""Human view: root cause first, then why, the evidence lines, and the fix commands."""
from __future__ import annotations

from typing import TextIO

from bootdiag.core.report import Finding, Report
from bootdiag.render.controls import visible


def _shown(text: str) -> str:
    """Text from the input, safe to print: control characters escaped, then rich markup."""
    from rich.markup import escape

    return escape(visible(text))


def render_terminal(report: Report, out: TextIO, color: bool = False) -> None:
    from rich.console import Console
    colored = color
    console = Console(file=out, force_terminal=colored, no_color=not colored, highlight=False, soft_wrap=not colored, emoji=False)
    lines = report.stats.get("lines", 0)
    if report.status == "unrecognised":
        # Nothing judged: say so rather than imply a healthy boot (binary data, wrong baud, prose only).
        console.print(f"[bold yellow]nothing recognised[/]: no boot or flashing log lines recognised in {_shown(report.source)} ({lines} lines read)")
        _verification(console, report)
        return
    if report.status == "incomplete":
        console.print(f"[bold yellow]incomplete[/]: {_shown(report.source)} shows a boot or flash that neither completed nor failed ({lines} lines): the capture may end too early, or the failure is silent")
        _verification(console, report)
        return
    if report.status == "healthy":
        console.print(f"[bold green]healthy[/]: no failure found in {_shown(report.source)} ({lines} lines, {report.stats.get('sessions', 0)} boot/tool sessions)")
        _verification(console, report)
        return
    if report.status == "unexplained":
        console.print(f"[bold yellow]unexplained failure[/] in {_shown(report.source)}: no rule explains these lines")
        for ev in report.unexplained:
            console.print(f"  [dim]{ev.line:>6}[/] {_shown(ev.text)}")
        console.print("\nRun `bootdiag rules` for what bootdiag knows; `bootdiag events FILE` shows how each line was read.")
        _verification(console, report)
        return
    for i, finding in enumerate(report.findings):
        if i:
            console.print()
        _finding(console, finding, primary=i == 0)
    _verification(console, report)
    _context(console, report)


def _finding(console, finding: Finding, primary: bool) -> None:  # console: rich.console.Console
    label = "root cause" if primary else "also"
    seen = f", seen {finding.occurrences}x" if finding.occurrences > 1 else ""
    console.print(f"[bold red]{label}[/]: [bold]{_shown(finding.title)}[/]  [dim]({finding.id}, {finding.confidence} confidence{seen})[/]")
    console.print()
    console.print(_shown(finding.explanation))
    if finding.evidence:
        console.print("\n[bold]evidence[/]")
        for ev in finding.evidence:
            where = f"{ev.line:>6}" if ev.line else "  file"  # line 0: from a verified image or config
            console.print(f"  [dim]{where}[/] {_shown(ev.text)}")
    if finding.candidates:
        console.print("\n[bold]possible causes[/] (what each predicts, how to tell)")
        for n, cand in enumerate(finding.candidates, 1):
            console.print(f"  {n}. {_shown(cand.cause)}\n     predicts: {_shown(cand.predicts)}\n     check:    {_shown(cand.check)}")
    console.print("\n[bold]fix[/]")
    for step in finding.fix:
        console.print(f"  [cyan]>[/] {_shown(step)}")
    if finding.docs:
        console.print("\n[bold]docs[/]")
        for url in finding.docs:
            console.print(f"  {_shown(url)}")


def _verification(console, report: Report) -> None:  # console: rich.console.Console
    """What the files given beside the log showed, whichever way the diagnosis went."""
    if not report.verification:
        return
    console.print("\n[bold]files checked[/]")
    for checked in report.verification:
        verdict = "[green]valid[/]" if checked.ok else "[red]" + ", ".join(p.id for p in checked.problems) + "[/]"
        console.print(f"  {_shown(checked.path)} ({_shown(checked.format)}): {verdict}")
        for problem in checked.problems:
            console.print(f"    [dim]{_shown(problem.message)}[/]")


def _context(console, report: Report) -> None:
    if report.context:
        facts = ", ".join(f"{k}={v}" for k, v in sorted(report.context.items()))
        console.print(f"\n[dim]context: {_shown(facts)}[/]")
