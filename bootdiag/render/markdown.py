"""Paste-ready GitHub Markdown: root cause heading, explanation, fix, evidence in <details>."""
from __future__ import annotations

from typing import TextIO

from ..report import Report


def _fence(lines: list[str]) -> str:
    body = "\n".join(lines)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}text\n{body}\n{fence}"


def render_markdown(report: Report, out: TextIO) -> None:
    parts: list[str] = []
    if report.status == "healthy":
        parts.append(f"### bootdiag: healthy\n\nNo failure found in `{report.source}`.")
    elif report.status == "unexplained":
        parts.append("### bootdiag: unexplained failure\n\nNo rule explains these lines:")
        parts.append(_fence([f"{e.line:>6}  {e.text}" for e in report.unexplained]))
    for i, f in enumerate(report.findings):
        parts.append(f"### {'Root cause' if i == 0 else 'Also'}: {f.title} (`{f.id}`)")
        parts.append(f"{f.explanation}\n\n*Confidence: {f.confidence}*" + (f", seen {f.occurrences} times" if f.occurrences > 1 else ""))
        parts.append("**Fix**\n\n" + "\n".join(f"- `{step}`" if step.startswith(("esptool", "espsecure", "espefuse", "imgtool", "idf.py", "bootdiag", "sudo")) else f"- {step}" for step in f.fix))
        if f.evidence:
            parts.append("<details><summary>Evidence (" + str(len(f.evidence)) + " lines)</summary>\n\n" + _fence([f"{e.line:>6}  {e.text}" for e in f.evidence]) + "\n\n</details>")
    env = dict(report.context)
    env["bootdiag"] = report.tool.get("version", "")
    parts.append("<details><summary>Environment</summary>\n\n" + "\n".join(f"- {k}: {v}" for k, v in sorted(env.items())) + "\n\n</details>")
    out.write("\n\n".join(parts) + "\n")
