"""Human view: root cause first, then why, the evidence lines, and the fix commands."""
from __future__ import annotations

from typing import TextIO

from bootdiag.core.report import Finding, Report


def render_terminal(report: Report, out: TextIO, color: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape

    colored = color
    console = Console(file=out, force_terminal=colored, no_color=not colored, highlight=False, soft_wrap=not colored, emoji=False)
    if report.is_prediction:
        _prediction(console, report)
        return
    lines = report.stats.get("lines", 0)
    if report.status == "unrecognised":
        # Nothing judged: say so rather than imply a healthy boot (binary data, wrong baud, prose only).
        console.print(f"[bold yellow]nothing recognised[/]: no boot or flashing log lines recognised in {escape(report.source)} ({lines} lines read)")
        _verification(console, report)
        return
    if report.status == "incomplete":
        console.print(f"[bold yellow]incomplete[/]: {escape(report.source)} shows a boot or flash that neither completed nor failed ({lines} lines): the capture may end too early, or the failure is silent")
        _verification(console, report)
        return
    if report.status == "healthy":
        console.print(f"[bold green]healthy[/]: no failure found in {escape(report.source)} ({lines} lines, {report.stats.get('sessions', 0)} boot/tool sessions)")
        _verification(console, report)
        return
    if report.status == "unexplained":
        console.print(f"[bold yellow]unexplained failure[/] in {escape(report.source)}: no rule explains these lines")
        for ev in report.unexplained:
            console.print(f"  [dim]{ev.line:>6}[/] {escape(ev.text)}")
        console.print("\nRun `bootdiag rules` for what bootdiag knows; `bootdiag events FILE` shows how each line was read.")
        _verification(console, report)
        return
    for i, finding in enumerate(report.findings):
        if i:
            console.print()
        _finding(console, finding, primary=i == 0)
    _verification(console, report)
    _context(console, report)


def _prediction(console, report: Report) -> None:  # console: rich.console.Console
    """`bootdiag check`: will it boot, each predicted failure, then every check made."""
    from rich.markup import escape

    source, count = escape(report.source), len(report.checks)
    undecided = sum(c.outcome == "undecided" for c in report.checks)
    if report.status == "healthy":
        console.print(f"[bold green]will boot[/]: {source} passes every check ({count})")
    elif report.status == "incomplete":
        console.print(f"[bold yellow]no failure predicted[/] in {source}, but {undecided} of {count} checks are undecided: what would decide them is listed below")
    elif report.status == "unexplained":
        console.print(f"[bold yellow]a check failed[/] in {source} that no rule names: see the checks below")
    for i, finding in enumerate(report.findings):
        if i:
            console.print()
        _finding(console, finding, primary=i == 0, label="will fail" if i == 0 else "also")
    _verification(console, report)
    console.print("\n[bold]checks[/]")
    styles = {"pass": "[green]pass[/]     ", "fail": "[bold red]FAIL[/]     ", "undecided": "[yellow]undecided[/]"}
    for check in report.checks:
        console.print(f"  [dim]{check.number:>3}[/] {styles[check.outcome]} {escape(check.subject)}: {escape(check.detail)}")
        if check.needs:
            console.print(f"                [dim]would decide it:[/] {escape(check.needs)}")
    _context(console, report)


def _finding(console, finding: Finding, primary: bool, label: str | None = None) -> None:  # console: rich.console.Console
    from rich.markup import escape

    label = label or ("root cause" if primary else "also")
    seen = f", seen {finding.occurrences}x" if finding.occurrences > 1 else ""
    console.print(f"[bold red]{label}[/]: [bold]{escape(finding.title)}[/]  [dim]({finding.id}, {finding.confidence} confidence{seen})[/]")
    console.print()
    console.print(escape(finding.explanation))
    if finding.evidence:
        console.print("\n[bold]evidence[/]")
        for ev in finding.evidence:
            where = f"{ev.line:>6}" if ev.line else "  file"  # line 0: from a verified image or config
            console.print(f"  [dim]{where}[/] {escape(ev.text)}")
    if finding.candidates:
        console.print("\n[bold]possible causes[/] (what each predicts, how to tell)")
        for n, cand in enumerate(finding.candidates, 1):
            console.print(f"  {n}. {escape(cand.cause)}\n     predicts: {escape(cand.predicts)}\n     check:    {escape(cand.check)}")
    console.print("\n[bold]fix[/]")
    for step in finding.fix:
        console.print(f"  [cyan]>[/] {escape(step)}")
    if finding.docs:
        console.print("\n[bold]docs[/]")
        for url in finding.docs:
            console.print(f"  {escape(url)}")


def _verification(console, report: Report) -> None:  # console: rich.console.Console
    """What the files given beside the log showed, whichever way the diagnosis went."""
    from rich.markup import escape

    if not report.verification:
        return
    from bootdiag.render.verify_text import verdict_text

    console.print("\n[bold]files checked[/]")
    for checked in report.verification:
        problems = checked.all_problems()
        if problems:
            verdict = "[red]" + escape(", ".join(p.id for p in problems)) + "[/]"
        else:
            verdict = f"[{'green' if checked.ok else 'yellow'}]{verdict_text(checked)}[/]"
        console.print(f"  {escape(checked.path)} ({escape(checked.format)}): {verdict}")
        for problem in problems:
            console.print(f"    [dim]{escape(problem.message)}[/]")
        for missing in checked.all_missing():
            console.print(f"    [dim]missing: {escape(missing)}[/]")


def _context(console, report: Report) -> None:
    from rich.markup import escape

    if report.context:
        facts = ", ".join(f"{k}={v}" for k, v in sorted(report.context.items()))
        console.print(f"\n[dim]context: {escape(facts)}[/]")
